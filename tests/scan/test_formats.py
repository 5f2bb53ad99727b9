"""Hand-written exports with the awkward cases each exporter really produces."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.scan import ChatMessage, ExportFormatError, derive_author_id, read_export
from bot.scan.dates import parse_clock

LRM = "\u200e"
NNBSP = "\u202f"


def _read(tmp_path: Path, name: str, content: str | bytes) -> tuple[list[ChatMessage], list[str]]:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    warnings: list[str] = []
    return list(read_export(path, warn=warnings.append)), warnings


def _at(y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


# --- WhatsApp -------------------------------------------------------------------------------

WHATSAPP_CASES = {
    "android-us-12h-narrow-nbsp": (
        f"12/31/23, 9:41{NNBSP}PM - Alice: hello\n",
        [("Alice", "hello", _at(2023, 12, 31, 21, 41), False)],
    ),
    "android-us-12h-plain-space-midnight": (
        "1/2/24, 12:05 AM - Bob: late\n1/2/24, 12:10 PM - Bob: lunch\n",
        [
            ("Bob", "late", _at(2024, 1, 2, 0, 5), False),
            ("Bob", "lunch", _at(2024, 1, 2, 12, 10), False),
        ],
    ),
    "android-eu-24h": (
        "31/12/2023, 21:41 - Alice: hallo\n",
        [("Alice", "hallo", _at(2023, 12, 31, 21, 41), False)],
    ),
    "german-dotted-date": (
        "31.12.23, 21:41 - Alice: frohes neues\n",
        [("Alice", "frohes neues", _at(2023, 12, 31, 21, 41), False)],
    ),
    "year-first": (
        "2023-12-31 21:41 - Alice: hi\n",
        [("Alice", "hi", _at(2023, 12, 31, 21, 41), False)],
    ),
    "ios-seconds-and-marks": (
        f"{LRM}[31/12/2023, 21:41:05] Alice: {LRM}image omitted\r\n"
        "[31/12/2023, 21:42:00] Bob: nice\r\n",
        [
            ("Alice", "", _at(2023, 12, 31, 21, 41, 5), False),
            ("Bob", "nice", _at(2023, 12, 31, 21, 42), False),
        ],
    ),
    "ios-12h": (
        "[12/31/23, 9:41:05 PM] Alice: hey\n",
        [("Alice", "hey", _at(2023, 12, 31, 21, 41, 5), False)],
    ),
    "ios-system-from-the-group": (
        f"[31/12/2023, 21:41:05] Team: {LRM}Messages and calls are end-to-end encrypted.\n"
        f"[31/12/2023, 21:41:06] Team: {LRM}Alice added Bob\n",
        [
            (
                "",
                "Messages and calls are end-to-end encrypted.",
                _at(2023, 12, 31, 21, 41, 5),
                True,
            ),
            ("", "Alice added Bob", _at(2023, 12, 31, 21, 41, 6), True),
        ],
    ),
    "android-system-lines-without-name": (
        "31/12/2023, 21:41 - Messages and calls are end-to-end encrypted. No one outside of this "
        "chat, not even WhatsApp, can read or listen to them.\n"
        '31/12/2023, 21:41 - Alice created group "Ops: night shift"\n'
        "31/12/2023, 21:42 - Bob left\n",
        [
            (
                "",
                "Messages and calls are end-to-end encrypted. No one outside of this chat, "
                "not even WhatsApp, can read or listen to them.",
                _at(2023, 12, 31, 21, 41),
                True,
            ),
            ("", 'Alice created group "Ops: night shift"', _at(2023, 12, 31, 21, 41), True),
            ("", "Bob left", _at(2023, 12, 31, 21, 42), True),
        ],
    ),
    "multi-line-with-blank-line": (
        "31/12/2023, 21:41 - Alice: first\nsecond\n\nfourth: with colon\n"
        "31/12/2023, 21:42 - Bob: ok\n",
        [
            ("Alice", "first\nsecond\n\nfourth: with colon", _at(2023, 12, 31, 21, 41), False),
            ("Bob", "ok", _at(2023, 12, 31, 21, 42), False),
        ],
    ),
    "emoji-and-accents": (
        "31/12/2023, 21:41 - Zoë 🌻: ça va 😀👍🏽\n",
        [("Zoë 🌻", "ça va 😀👍🏽", _at(2023, 12, 31, 21, 41), False)],
    ),
    "phone-number-author-with-bidi-marks": (
        "31/12/2023, 21:41 - \u202a+44 7700 900123\u202c: hi\n",
        [("+44 7700 900123", "hi", _at(2023, 12, 31, 21, 41), False)],
    ),
}


@pytest.mark.parametrize("case", sorted(WHATSAPP_CASES))
def test_whatsapp_awkward_lines(tmp_path: Path, case: str) -> None:
    content, expected = WHATSAPP_CASES[case]
    messages, _ = _read(tmp_path, "chat.txt", content)
    got = [(m.author, m.text, m.timestamp, m.is_system) for m in messages]
    assert got == expected


@pytest.mark.parametrize(
    ("body", "text", "attachments", "omitted"),
    [
        ("<Media omitted>", "", 1, True),
        (f"{LRM}video omitted", "", 1, True),
        ("sticker omitted", "", 1, True),
        ("report.pdf • 3 pages document omitted", "", 1, True),
        (
            "<attached: 00000012-PHOTO-2023-12-31-21-41-05.jpg>\nlook at this",
            "look at this",
            1,
            False,
        ),
        ("IMG-20231231-WA0001.jpg (file attached)", "", 1, False),
        ("plain text", "plain text", 0, False),
    ],
)
def test_whatsapp_media_placeholders(
    tmp_path: Path, body: str, text: str, attachments: int, omitted: bool
) -> None:
    [msg], _ = _read(tmp_path, "chat.txt", f"31/12/2023, 21:41 - Alice: {body}\n")
    assert (msg.text, msg.attachments, msg.media_omitted) == (text, attachments, omitted)


@pytest.mark.parametrize(
    "suffix", [" <This message was edited>", f" {LRM}<This message was edited>"]
)
def test_whatsapp_edit_marker_is_stripped_and_recorded(tmp_path: Path, suffix: str) -> None:
    [msg], _ = _read(tmp_path, "chat.txt", f"31/12/2023, 21:41 - Alice: typo fixed{suffix}\n")
    assert (msg.text, msg.edited) == ("typo fixed", True)


@pytest.mark.parametrize(
    ("lines", "expected_month", "warns"),
    [
        # Only the last date settles it: 13/01 can only be day-first.
        (["01/02/2024, 10:00", "05/02/2024, 10:00", "13/02/2024, 10:00"], 2, False),
        # 02/13 can only be month-first.
        (["01/02/2024, 10:00", "02/05/2024, 10:00", "02/13/2024, 10:00"], 1, False),
        # Nothing over 12: day-first reads 12 Jan, 1 Feb, 2 Feb (forwards); month-first
        # reads 1 Dec, 2 Jan, 2 Feb (backwards once). Forwards wins, with a warning.
        (["12/01/2024, 10:00", "01/02/2024, 10:00", "02/02/2024, 10:00"], 1, True),
    ],
)
def test_whatsapp_day_month_order_is_settled_per_file(
    tmp_path: Path, lines: list[str], expected_month: int, warns: bool
) -> None:
    content = "".join(f"{stamp} - Alice: m{i}\n" for i, stamp in enumerate(lines))
    messages, warnings = _read(tmp_path, "chat.txt", content)
    assert messages[0].timestamp.month == expected_month
    assert bool(warnings) == warns


def test_whatsapp_ambiguous_dates_follow_time_order(tmp_path: Path) -> None:
    # Day-first these are 12 Jan, 1 Feb, 2 Feb (forwards); month-first 1 Dec, 2 Jan (backwards).
    content = "12/01/2024, 10:00 - A: x\n01/02/2024, 10:00 - A: y\n02/02/2024, 10:00 - A: z\n"
    messages, warnings = _read(tmp_path, "chat.txt", content)
    assert [m.timestamp.date().isoformat() for m in messages] == [
        "2024-01-12",
        "2024-02-01",
        "2024-02-02",
    ]
    assert "day/month" in warnings[0]


def test_whatsapp_contradictory_dates_name_the_line(tmp_path: Path) -> None:
    content = "13/01/2024, 10:00 - A: x\n01/13/2024, 10:00 - A: y\n"
    with pytest.raises(ExportFormatError, match=r"chat\.txt:2: bad date.*settled by line 1"):
        _read(tmp_path, "chat.txt", content)


def test_whatsapp_impossible_date_names_the_line(tmp_path: Path) -> None:
    content = "13/01/2024, 10:00 - A: x\n31/02/2024, 10:00 - A: y\n"
    with pytest.raises(ExportFormatError, match=r"chat\.txt:2: bad date"):
        _read(tmp_path, "chat.txt", content)


def test_whatsapp_cp1252_file_is_read_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    content = "31/12/2023, 21:41 - Alice: hello\n31/12/2023, 21:42 - Émile: café – naïve\n"
    messages, warnings = _read(tmp_path, "chat.txt", content.encode("cp1252"))
    assert [m.text for m in messages] == ["hello", "café – naïve"]
    assert messages[1].author == "Émile"
    assert len(warnings) == 1 and "line 2" in warnings[0] and "cp1252" in warnings[0]


def test_whatsapp_latin1_only_bytes_do_not_crash(tmp_path: Path) -> None:
    raw = b"31/12/2023, 21:41 - Alice: odd \x81\x8d bytes\n"
    [msg], warnings = _read(tmp_path, "chat.txt", raw)
    assert msg.text == "odd \x81\x8d bytes" and warnings


def test_whatsapp_mentions_resolve_names_and_phone_digits(tmp_path: Path) -> None:
    content = (
        "31/12/2023, 21:41 - Alice Chen: hi\n"
        "31/12/2023, 21:42 - +44 7700 900123: hi\n"
        "31/12/2023, 21:43 - Bob: @Alice Chen and @447700900123 see this, mail bob@alice.com\n"
    )
    messages, _ = _read(tmp_path, "chat.txt", content)
    assert messages[2].mentions == (
        derive_author_id("Alice Chen"),
        derive_author_id("+44 7700 900123"),
    )


def test_whatsapp_channel_comes_from_the_export_name(tmp_path: Path) -> None:
    [msg], _ = _read(tmp_path, "WhatsApp Chat with Night Shift.txt", "31/12/2023, 21:41 - A: x\n")
    assert msg.channel == "Night Shift"


def test_whatsapp_text_before_first_message_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("\nhello there\n31/12/2023, 21:41 - A: x\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match=r"chat\.txt:2: unknown export format"):
        read_export(path)
    with pytest.raises(ExportFormatError, match=r"chat\.txt:2: not a WhatsApp message line"):
        list(read_export(path, source="whatsapp"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:00 AM", (0, 0, 0)),
        ("12:30 PM", (12, 30, 0)),
        ("9:41\u202fpm", (21, 41, 0)),
        ("9:41 p.m.", (21, 41, 0)),
        ("21.41", (21, 41, 0)),
        ("21:41:05", (21, 41, 5)),
    ],
)
def test_clock_formats(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["13:00 PM", "24:00", "9:61"])
def test_impossible_clock_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)
