"""The scripted team conversation `upstander demo` plays: ordinary chat, "banter" that is not,
a colleague targeted by several people, a report followed by retaliation, an edit and a
deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["say", "reply", "edit", "delete", "report"]


@dataclass(frozen=True)
class Step:
    """One thing a member does. `ref` names a message for later steps; `at` is who is mentioned."""

    actor: str
    action: Action
    text: str = ""
    ref: str = ""
    target: str = ""  # the message (ref) replied to, edited, deleted or reported
    at: str = ""  # a member @-mentioned at the start of the text
    offensive: bool = False  # the demo checks at start that the loaded rules flag it
    note: str = ""  # what the narrator says before the step


MEMBERS = ("Alex", "Sam", "Jordan", "Priya")

SCRIPT: tuple[Step, ...] = (
    Step("Alex", "say", "morning all! standup in 10", note="An ordinary morning."),
    Step("Sam", "say", "coffee first, then I'll kill -9 that flaky build"),
    Step("Jordan", "say", "the client loved the demo yesterday, nice work everyone"),
    Step(
        "Alex",
        "say",
        "she only got the job because she's a woman",
        ref="sexist",
        offensive=True,
        note="'Banter' that is not.",
    ),
    Step("Priya", "say", "can we keep it professional please"),
    Step(
        "Alex",
        "say",
        "nobody wants you on this team",
        at="Priya",
        offensive=True,
        ref="bully",
        note="A colleague is targeted by several people.",
    ),
    Step("Sam", "say", "go back to your own country", at="Priya", offensive=True),
    Step("Jordan", "say", "you are a useless waste of space", at="Priya", offensive=True),
    Step(
        "Priya",
        "report",
        "Alex keeps doing this to me",
        target="bully",
        note="Priya reports the message privately.",
    ),
    Step(
        "Alex",
        "say",
        "whoever went to the mods is a grass. snitches get stitches",
        at="Priya",
        offensive=True,
        note="The reported member turns on the reporter.",
    ),
    Step(
        "Sam",
        "say",
        "women are basically animals lol",
        ref="edited",
        offensive=True,
        note="A flagged message is edited; the earlier version stays on record.",
    ),
    Step("Sam", "edit", "women are basically... never mind", target="edited"),
    Step(
        "Jordan",
        "say",
        "I'm going to stab you in the car park",
        at="Priya",
        ref="threat",
        offensive=True,
        note="A threat, then deleted; the evidence survives.",
    ),
    Step("Jordan", "delete", target="threat"),
    Step("Priya", "say", "ok, lunch at 1 for anyone who wants it"),
)
