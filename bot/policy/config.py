"""The policy schema (the `policy:` key in `rules/policy.yaml`), with its defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.engine.verdict import CATEGORIES, Category, Severity

SeverityName = Literal["low", "medium", "high", "critical"]


class _Strict(BaseModel):
    # A misspelt knob must be an error, not a silently ignored default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityPoints(_Strict):
    """Points one message adds, by its most serious hit in the category."""

    low: float = Field(default=1.0, ge=0)
    medium: float = Field(default=2.0, ge=0)
    high: float = Field(default=3.0, ge=0)
    critical: float = Field(default=10.0, ge=0)

    def of(self, severity: Severity) -> float:
        """Points for one severity."""
        return float(getattr(self, severity.label))


class CategoryPolicy(_Strict):
    """Weights, decay and thresholds for one category."""

    points: SeverityPoints = Field(default_factory=SeverityPoints)
    half_life_days: float | None = Field(default=14.0, gt=0)
    window_days: float | None = Field(default=None, gt=0)
    escalate_at: float = Field(default=3.4, gt=0)
    high_count: int = Field(default=2, ge=1)
    high_window_days: float = Field(default=30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _one_decay(cls, data: Any) -> Any:
        # Writing window_days alone must switch off the default half-life, not combine with it.
        if isinstance(data, dict) and data.get("window_days") is not None:
            if data.get("half_life_days") is not None:
                raise ValueError("set either half_life_days or window_days, not both")
            data = {**data, "half_life_days": None}
        return data

    @model_validator(mode="after")
    def _has_decay(self) -> CategoryPolicy:
        if self.half_life_days is None and self.window_days is None:
            raise ValueError("set half_life_days or window_days")
        return self

    def weight(self, age: timedelta) -> float:
        """How much of a hit's points remain after `age` (1.0 when fresh)."""
        days = max(age.total_seconds(), 0.0) / 86400
        if self.window_days is not None:
            return 1.0 if days < self.window_days else 0.0
        assert self.half_life_days is not None
        return float(0.5 ** (days / self.half_life_days))

    def horizon(self) -> timedelta:
        """Age after which a hit no longer matters to this category (for pruning)."""
        if self.window_days is not None:
            days = self.window_days
        else:
            assert self.half_life_days is not None
            days = self.half_life_days * 7  # below 1% of the points: forgotten
        return timedelta(days=max(days, self.high_window_days))


def _default_categories() -> dict[Category, CategoryPolicy]:
    return {c: CategoryPolicy() for c in CATEGORIES}


class MemberTotal(_Strict):
    """A threshold over all categories together, so spreading hits across them still counts."""

    escalate_at: float | None = Field(default=5.0, gt=0)


_CRITICAL: tuple[SeverityName, ...] = ("critical",)
_RETALIATION: tuple[Category, ...] = ("retaliation",)


class Immediate(_Strict):
    """Hits that escalate on the first occurrence."""

    severities: list[SeverityName] = Field(default_factory=lambda: list(_CRITICAL))
    categories: list[Category] = Field(default_factory=lambda: list(_RETALIATION))
    subcategories: list[str] = Field(default_factory=list)


class NudgePolicy(_Strict):
    """When the sender gets a private nudge."""

    min_severity: SeverityName = "low"
    cooldown_minutes: float = Field(default=10.0, ge=0)


class PileOnPolicy(_Strict):
    """Several members flagged in one channel within a window."""

    min_members: int = Field(default=3, ge=2)
    window_days: float = Field(default=7.0, gt=0)


class TargetedPolicy(_Strict):
    """One member on the receiving end of flagged messages."""

    min_incidents: int = Field(default=3, ge=1)
    window_days: float = Field(default=14.0, gt=0)


class RetaliationPolicy(_Strict):
    """How long a report protects the reporter from the reported member."""

    watch_days: float = Field(default=90.0, gt=0)


class AutoModPolicy(_Strict):
    """How a Discord AutoMod block counts."""

    enabled: bool = True
    category: Category = "harassment"
    subcategory: str = "automod"
    severity: SeverityName = "medium"
    nudge: bool = False  # Discord already told the sender their message was blocked


class AlertPolicy(_Strict):
    """Limits that keep moderators from alert spam."""

    cooldown_minutes: float = Field(default=60.0, ge=0)
    evidence_limit: int = Field(default=25, ge=1)
    case_stale_days: float = Field(default=180.0, gt=0)
    max_records: int = Field(default=20000, ge=100)


class PolicyConfig(_Strict):
    """The whole policy file."""

    version: int = 1
    exempt_moderators: bool = False
    categories: dict[Category, CategoryPolicy] = Field(default_factory=_default_categories)
    member_total: MemberTotal = Field(default_factory=MemberTotal)
    immediate: Immediate = Field(default_factory=Immediate)
    nudge: NudgePolicy = Field(default_factory=NudgePolicy)
    pile_on: PileOnPolicy = Field(default_factory=PileOnPolicy)
    targeted_colleague: TargetedPolicy = Field(default_factory=TargetedPolicy)
    retaliation: RetaliationPolicy = Field(default_factory=RetaliationPolicy)
    automod: AutoModPolicy = Field(default_factory=AutoModPolicy)
    alerts: AlertPolicy = Field(default_factory=AlertPolicy)

    @field_validator("categories")
    @classmethod
    def _all_categories(
        cls, value: dict[Category, CategoryPolicy]
    ) -> dict[Category, CategoryPolicy]:
        # A category left out of the file keeps the defaults rather than counting for nothing.
        return {c: value.get(c, CategoryPolicy()) for c in CATEGORIES}

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unsupported policy version {value} (expected 1)")
        return value

    def category(self, name: Category) -> CategoryPolicy:
        """The policy for one category."""
        return self.categories[name]

    def horizon(self) -> timedelta:
        """The oldest history any rule still looks at; older records are pruned."""
        days = [c.horizon() for c in self.categories.values()]
        days.append(timedelta(days=self.pile_on.window_days))
        days.append(timedelta(days=self.targeted_colleague.window_days))
        return max(days)
