"""`upstander eval`: detection quality of a rule set on a labelled JSONL file.

Rows are `{"id", "text", "label": flag|pass|policy, "category", "detail": {...}}`. `flag` and
`pass` rows give the headline precision/recall; `policy` rows (abuse at non-protected targets,
whose answer depends on the server) are reported apart as a flag rate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import RuleSet


@dataclass
class Tally:
    """Right/total counts for one group of rows."""

    right: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        """right / total (0 when empty)."""
        return self.right / self.total if self.total else 0.0


@dataclass
class EvalReport:
    """Everything `upstander eval` prints."""

    true_pos: int = 0
    false_neg: int = 0
    false_pos: int = 0
    true_neg: int = 0
    policy_flagged: int = 0
    policy_total: int = 0
    category_right: int = 0
    by_functionality: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Of flagged flag/pass rows, the share that should be flagged."""
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        """Of `flag` rows, the share flagged."""
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Of `pass` rows, the share flagged."""
        negatives = self.false_pos + self.true_neg
        return self.false_pos / negatives if negatives else 0.0

    @property
    def pass_rate(self) -> float:
        """Of `pass` rows, the share left alone."""
        return 1.0 - self.false_positive_rate if (self.false_pos + self.true_neg) else 0.0

    @property
    def category_accuracy(self) -> float:
        """Of correctly flagged rows with a category, the share whose category is right."""
        return self.category_right / self.true_pos if self.true_pos else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the row lists)."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "flag_rows": self.true_pos + self.false_neg,
            "pass_rows": self.false_pos + self.true_neg,
            "policy_rows": self.policy_total,
            "policy_flag_rate": round(self.policy_flagged / self.policy_total, 4)
            if self.policy_total
            else None,
            "category_accuracy": round(self.category_accuracy, 4),
            "by_functionality": {
                k: {"accuracy": round(v.rate, 4), "n": v.total}
                for k, v in sorted(self.by_functionality.items())
            },
            "by_category": {
                k: {"accuracy": round(v.rate, 4), "n": v.total}
                for k, v in sorted(self.by_category.items())
            },
        }


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a labelled JSONL file; a bad line raises ValueError naming file and line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or "text" not in row or "label" not in row:
                raise ValueError(f"{path}:{number}: a row needs 'text' and 'label'")
            yield row


# Tags some sets give beside the category (ETHOS: "violence", "racism", ...): a row tagged with
# both violence and a protected characteristic is both, like HateCheck's
# "violence+discrimination".
_DISCRIMINATION_TAGS = frozenset(
    {
        *("racism", "xenophobia", "nationality", "antisemitism", "religious_hate", "religion"),
        *("sexism", "gender", "homophobia", "sexual_orientation", "transphobia", "ableism"),
        "disability",
    }
)


def expected_categories(row: dict[str, Any]) -> frozenset[str]:
    """The categories a flagged row may rightly be reported under (empty: any).

    `category` may join several with `+` ("violence+discrimination": either is right); a row's
    `detail.tags` add the categories they name: "violence", or a protected characteristic
    (racism, sexism, ...) for discrimination.
    """
    category = row.get("category")
    found = {c for c in str(category).split("+") if c and c != "none"} if category else set()
    detail = row.get("detail")
    tags = detail.get("tags") if isinstance(detail, dict) else None
    if found and isinstance(tags, list):
        if "violence" in tags:
            found.add("violence")
        if any(tag in _DISCRIMINATION_TAGS for tag in tags):
            found.add("discrimination")
    return frozenset(found)


def evaluate_rows(ruleset: RuleSet, rows: Iterable[dict[str, Any]]) -> EvalReport:
    """Run every row through the rule set and tally the results."""
    report = EvalReport()
    for row in rows:
        verdict = ruleset.evaluate(str(row["text"]))
        label = row["label"]
        detail = row.get("detail") or {}
        functionality = detail.get("functionality") if isinstance(detail, dict) else None
        if label == "policy":
            report.policy_total += 1
            report.policy_flagged += verdict.flagged
            continue
        should_flag = label == "flag"
        right = verdict.flagged == should_flag
        if should_flag and verdict.flagged:
            report.true_pos += 1
            expected = expected_categories(row)
            report.category_right += not expected or verdict.category in expected
        elif should_flag:
            report.false_neg += 1
            report.misses.append(row)
        elif verdict.flagged:
            report.false_pos += 1
            report.false_alarms.append(dict(row, rules=verdict.rule_ids))
        else:
            report.true_neg += 1
        if functionality:
            tally = report.by_functionality[str(functionality)]
            tally.total += 1
            tally.right += right
        category_key = f"{label}:{row.get('category') or 'none'}"
        tally = report.by_category[category_key]
        tally.total += 1
        tally.right += right
    return report


def format_report(name: str, report: EvalReport) -> str:
    """A plain-text table for the terminal."""
    lines = [
        f"== {name}",
        f"flag rows {report.true_pos + report.false_neg}  pass rows "
        f"{report.false_pos + report.true_neg}  policy rows {report.policy_total}",
        f"precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}  "
        f"false-positive rate {report.false_positive_rate:.4f}  "
        f"pass rate {report.pass_rate:.3f}",
        f"category right on flagged true cases: {report.category_accuracy:.3f}",
    ]
    if report.policy_total:
        rate = report.policy_flagged / report.policy_total
        lines.append(
            f"policy rows flagged: {report.policy_flagged}/{report.policy_total} ({rate:.3f})"
        )
    if report.by_category:
        lines.append("by label:category")
        for key, tally in sorted(report.by_category.items()):
            lines.append(f"  {key:<32} {tally.rate:6.3f}  (n={tally.total})")
    if report.by_functionality:
        lines.append("by functionality")
        for key, tally in sorted(report.by_functionality.items()):
            lines.append(f"  {key:<32} {tally.rate:6.3f}  (n={tally.total})")
    return "\n".join(lines)
