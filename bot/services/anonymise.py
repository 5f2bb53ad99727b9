"""Take people out of a message before it becomes a rule example: mentions, ids, names, links."""

from __future__ import annotations

import re
from collections.abc import Iterable

_REPLACEMENTS = (
    (re.compile(r"<@!?\d+>"), "[member]"),
    (re.compile(r"<@&\d+>"), "[role]"),
    (re.compile(r"<#\d+>"), "[channel]"),
    (re.compile(r"<a?:\w+:\d+>"), "[emoji]"),
    (re.compile(r"@(?:everyone|here)\b"), "[everyone]"),
    (re.compile(r"https?://\S+"), "[link]"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), "[email]"),
    (re.compile(r"\b\d{15,22}\b"), "[id]"),  # a Discord snowflake written out
)
MIN_NAME = 3  # shorter names ("Al") would blank out ordinary words


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """`text` with mentions, ids, links, e-mail addresses and the given names replaced."""
    for pattern, placeholder in _REPLACEMENTS:
        text = pattern.sub(placeholder, text)
    wanted = sorted({n.strip() for n in names if len(n.strip()) >= MIN_NAME}, key=len, reverse=True)
    if wanted:
        alternatives = "|".join(re.escape(n) for n in wanted)
        text = re.sub(rf"(?<!\w)@?(?:{alternatives})(?!\w)", "[member]", text, flags=re.IGNORECASE)
    return text.strip()
