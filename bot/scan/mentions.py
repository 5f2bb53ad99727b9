"""Finding `@Name` mentions in formats that write names, not ids (WhatsApp, Discord CSV)."""

from __future__ import annotations

import re

_PHONE_CHARS = re.compile(r"[+\d\s().\-\u202a\u202c\u00a0]+")


class NameMentions:
    """Resolves `@Name` to author ids, using the members seen so far in the file.

    Streaming means a member is only known once they have written something; a mention of
    someone who never speaks in the export is not resolved (their name is not knowable).
    Phone-number names (`+44 7700 900123`) also match WhatsApp's digits-only `@447700900123`.
    """

    def __init__(self) -> None:
        self._by_prefix: dict[str, list[tuple[str, str]]] = {}
        self._seen: set[str] = set()

    def see(self, name: str, author_id: str) -> None:
        """Remember a member's display name (and its digits, if it is a phone number)."""
        if name in self._seen or not name:
            return
        self._seen.add(name)
        keys = [name.casefold()]
        if _PHONE_CHARS.fullmatch(name):
            digits = "".join(ch for ch in name if ch.isdigit())
            if len(digits) >= 6:
                keys.append(digits)
        for key in keys:
            bucket = self._by_prefix.setdefault(key[:1], [])
            bucket.append((key, author_id))
            bucket.sort(key=lambda item: -len(item[0]))

    def find(self, text: str) -> tuple[str, ...]:
        """Author ids mentioned in `text`, in order, without repeats."""
        if "@" not in text:
            return ()
        found: list[str] = []
        folded = text.casefold()
        start = folded.find("@")
        while start != -1:
            if start == 0 or not folded[start - 1].isalnum():
                hit = self._match(folded, start + 1)
                if hit is not None and hit not in found:
                    found.append(hit)
            start = folded.find("@", start + 1)
        return tuple(found)

    def _match(self, folded: str, pos: int) -> str | None:
        for key, author_id in self._by_prefix.get(folded[pos : pos + 1], ()):
            end = pos + len(key)
            if folded.startswith(key, pos) and (end == len(folded) or not folded[end].isalnum()):
                return author_id
        return None
