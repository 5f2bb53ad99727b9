"""A deterministic, realistic team chat to write out as exports (tests and benchmarks).

`synthetic_chat(n, seed)` yields `Synthetic` events lazily, so a million-message export is
written without holding it. The mix is a small team's working chat with the awkward cases
exporters produce: multi-line messages, system events, media-only messages, emoji, accented
names, a phone-number member, replies, mentions, edits, and a small share of hostile lines so
a scan has something to find.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Member:
    """A synthetic member: display name, Discord-style snowflake id and Slack id."""

    name: str
    discord_id: str
    slack_id: str


MEMBERS: tuple[Member, ...] = (
    Member("Alice Chen", "200000000000000001", "U01ALICE"),
    Member("Bob Okafor", "200000000000000002", "U02BOB"),
    Member("Zoë Müller", "200000000000000003", "U03ZOE"),
    Member("Dan", "200000000000000004", "U04DAN"),
    Member("Priya Raman", "200000000000000005", "U05PRIYA"),
    Member("+44 7700 900123", "200000000000000006", "U06PHONE"),
    Member("Émile Café", "200000000000000007", "U07EMILE"),
)

_LINES = (
    "morning all",
    "standup in 5",
    "can someone review my PR?",
    "pushed a fix for the login bug",
    "lunch?",
    "the build is red again",
    "thanks, that worked",
    "I'll take the on-call shift on Friday",
    "anyone seen the Q3 numbers?",
    "café run, who wants something",
    "naïve question: why is staging down?",
    "meeting moved to 3pm",
    "see the doc, section 2",
    "deploying now",
    "ok",
    "lol",
    "brb",
)
_EMOJI_LINES = ("nice work 🎉", "👍", "on it 🚀", "coffee ☕ anyone?", "😂😂", "ship it 🛳️")
_MULTI = (
    "notes from the retro:\n- more tests\n- fewer meetings\n\nthanks all",
    "steps to reproduce:\n1. log in\n2. open settings\n3. crash",
    "roses are red\nbuilds are too",
)
_HOSTILE = (
    "nobody wants you on this team, just quit",
    "shut up, you are useless",
    "people like you should not be allowed to work here",
)
_SYSTEM = {"add": "{a} added {b}", "pin": "{a} pinned a message", "join": "{a} joined"}

KINDS = ("text", "multi", "emoji", "media", "system", "hostile")


@dataclass(frozen=True, slots=True)
class Synthetic:
    """One generated chat event, in a format-neutral form the writers render."""

    index: int
    when: datetime
    author: Member
    kind: str
    """One of KINDS."""
    text: str
    """What a reader should give back as `ChatMessage.text` (media: empty)."""
    reply_to: int | None = None
    mention: Member | None = None
    edited: bool = False
    event: str = ""
    """For system events: `add`, `pin` or `join`."""


def synthetic_chat(
    n: int, seed: int = 7, start: datetime = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
) -> Iterator[Synthetic]:
    """`n` chat events, strictly increasing in time (one second apart at least)."""
    rng = random.Random(seed)
    when = start
    for index in range(n):
        when += timedelta(seconds=rng.choice((7, 30, 45, 90, 240, 600, 3600, 4 * 3600)))
        author = rng.choice(MEMBERS)
        roll = rng.random()
        mention = None
        reply_to = None
        event = ""
        if index == 0 or roll < 0.01:
            kind = "system"
            other = rng.choice(MEMBERS)
            event = rng.choice(sorted(_SYSTEM))
            text = _SYSTEM[event].format(a=author.name, b=other.name)
        elif roll < 0.04:
            kind, text = "media", ""
        elif roll < 0.09:
            kind, text = "multi", rng.choice(_MULTI)
        elif roll < 0.19:
            kind, text = "emoji", rng.choice(_EMOJI_LINES)
        elif roll < 0.195:
            kind, text = "hostile", rng.choice(_HOSTILE)
        else:
            kind, text = "text", rng.choice(_LINES)
        if kind in ("text", "emoji", "hostile") and rng.random() < 0.08:
            mention = rng.choice([m for m in MEMBERS if m is not author])
            text = f"@{mention.name} {text}"
        if kind != "system" and index > 0 and rng.random() < 0.1:
            reply_to = index - rng.randint(1, min(index, 5))
        edited = kind == "text" and rng.random() < 0.03
        yield Synthetic(index, when, author, kind, text, reply_to, mention, edited, event)
