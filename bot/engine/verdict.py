"""What the engine answers: hits with spans in the original text, and one verdict per message."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

Category = Literal["discrimination", "violence", "harassment", "retaliation"]
CATEGORIES: tuple[Category, ...] = ("discrimination", "violence", "harassment", "retaliation")


class Severity(IntEnum):
    """Ordered so that `max()` picks the most serious."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """Lower-case name, as written in rule files."""
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Severity:
        """'high' -> Severity.HIGH."""
        return cls[name.upper()]


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule matching one span of the original message."""

    rule_id: str
    category: Category
    subcategory: str
    severity: Severity
    start: int
    end: int
    text: str
    nudge: str
    policy: bool = False  # abuse at a non-protected target: counted only if the server opts in
    why: str = ""  # a composed hit in words: "group: women — predicate: 'vile' (...) — derogation"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "rule": self.rule_id,
            "category": self.category,
            "subcategory": self.subcategory,
            "severity": self.severity.label,
            "span": [self.start, self.end],
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A match that context cancelled, kept so `check` and moderators can see why."""

    hit: Hit
    reason: str  # e.g. "exception:<pattern>", "negated", "quoted-condemned", "counter-speech"


@dataclass(frozen=True, slots=True)
class Addressee:
    """Who the message is aimed at, for the escalation policy."""

    mentions: tuple[int, ...] = ()
    reply_to: int | None = None
    second_person: bool = False  # "you", "your", "u" ... aimed at the reader

    @property
    def is_directed(self) -> bool:
        """True when the message names or answers someone."""
        return bool(self.mentions) or self.reply_to is not None or self.second_person

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "mentions": list(self.mentions),
            "reply_to": self.reply_to,
            "second_person": self.second_person,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine's answer for one message."""

    hits: tuple[Hit, ...] = ()
    suppressed: tuple[Suppressed, ...] = ()
    addressee: Addressee = field(default_factory=Addressee)
    rules_version: str = ""

    @property
    def flagged(self) -> bool:
        """True when at least one hit survived context checks."""
        return bool(self.hits)

    @property
    def top(self) -> Hit | None:
        """The most serious hit, or None. On equal severity a hit that names what it is about
        (a protected characteristic, violence, retaliation) wins over a generic insult
        (harassment), then the first one. A threat that is also retaliation is retaliation: the
        same severity in both says the violence is aimed at someone for reporting."""
        if not self.hits:
            return None
        best = max(self.hits, key=lambda h: (h.severity, h.category != "harassment", -h.start))
        if best.category == "violence":
            for hit in self.hits:
                if hit.category == "retaliation" and hit.severity == best.severity:
                    return hit
        return best

    @property
    def category(self) -> Category | None:
        """Category of the most serious hit."""
        top = self.top
        return top.category if top else None

    @property
    def subcategory(self) -> str | None:
        """Subcategory of the most serious hit."""
        top = self.top
        return top.subcategory if top else None

    @property
    def severity(self) -> Severity | None:
        """Severity of the most serious hit."""
        top = self.top
        return top.severity if top else None

    @property
    def rule_ids(self) -> list[str]:
        """Distinct rule ids in order of first appearance."""
        return list(dict.fromkeys(h.rule_id for h in self.hits))

    @property
    def spans(self) -> list[list[int]]:
        """Distinct [start, end] spans in the original text, sorted."""
        return [list(s) for s in sorted({(h.start, h.end) for h in self.hits})]

    @property
    def explanation(self) -> str:
        """One sentence for the sender: the nudge text of the most serious hit."""
        top = self.top
        return top.nudge if top else ""

    def classify_record(self, message_id: Any) -> dict[str, Any]:
        """The `upstander classify` output line (a contract: keep the keys exactly)."""
        severity = self.severity
        return {
            "id": message_id,
            "flagged": self.flagged,
            "category": self.category,
            "subcategory": self.subcategory,
            "severity": severity.label if severity else None,
            "rules": self.rule_ids,
            "spans": self.spans,
        }

    def to_dict(self) -> dict[str, Any]:
        """Full JSON-ready form, stored as incident evidence."""
        severity = self.severity
        return {
            "flagged": self.flagged,
            "category": self.category,
            "subcategory": self.subcategory,
            "severity": severity.label if severity else None,
            "explanation": self.explanation,
            "hits": [h.to_dict() for h in self.hits],
            "suppressed": [dict(s.hit.to_dict(), reason=s.reason) for s in self.suppressed],
            "addressee": self.addressee.to_dict(),
            "rules_version": self.rules_version,
        }
