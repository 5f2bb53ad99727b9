"""Timestamps as the store keeps them: timezone-aware UTC, ISO-8601 with microseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC text, so that text order is time order; naive times are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the store needs timezone-aware UTC times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """Parse what `to_text` wrote back into an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def maybe_from_text(text: str | None) -> datetime | None:
    """`from_text` that passes None through."""
    return None if text is None else from_text(text)
