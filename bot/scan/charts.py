"""Charts as inline SVG and HTML, generated here so the report opens without network or script.

Tooltips use SVG `<title>` elements, which browsers show on hover without JavaScript.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.engine.verdict import CATEGORIES
from bot.scan.results import MemberStats

COLOURS: dict[str, str] = {
    "discrimination": "#8e44ad",
    "violence": "#c0392b",
    "harassment": "#e67e22",
    "retaliation": "#2471a3",
}
MAX_BARS = 104
"""More weeks than this (two years) are grouped into months, then quarters, then years."""


@dataclass(frozen=True, slots=True)
class Bin:
    """One bar: a period label, the first day it covers, and flagged counts per category."""

    label: str
    start: date
    counts: Counter[str]

    @property
    def total(self) -> int:
        """Flagged messages in the period."""
        return sum(self.counts.values())


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def bins(weekly: dict[date, Counter[str]], first: date, last: date) -> tuple[str, list[Bin]]:
    """Weekly counts as bars from `first` to `last` (empty periods included), and the unit.

    Empty weeks are kept so a quiet spell looks quiet; long spans are grouped so the chart stays
    readable (and its size bounded) whatever the length of the export.
    """
    # Start from the first week's Monday: every weekly key then falls in a listed period.
    first = _monday(first)
    weeks = (_monday(last) - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if weeks <= MAX_BARS:
        unit = "week"
        keys = [first + timedelta(weeks=i) for i in range(weeks)]
    elif months <= MAX_BARS:
        unit = "month"
        keys = [_add_months(first.replace(day=1), i) for i in range(months)]
    elif months // 3 + 2 <= MAX_BARS:
        unit = "quarter"
        keys = [_bucket(first, unit)]
        while _add_months(keys[-1], 3) <= last:
            keys.append(_add_months(keys[-1], 3))
    else:
        unit = "year"
        keys = [date(y, 1, 1) for y in range(first.year, last.year + 1)]
    counts: dict[date, Counter[str]] = {k: Counter() for k in keys}
    for week, per_category in weekly.items():
        counts[_bucket(week, unit)].update(per_category)
    return unit, [Bin(_label(k, unit), k, counts[k]) for k in keys]


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _bucket(week: date, unit: str) -> date:
    if unit == "week":
        return week
    if unit == "month":
        return week.replace(day=1)
    if unit == "quarter":
        return date(week.year, (week.month - 1) // 3 * 3 + 1, 1)
    return date(week.year, 1, 1)


def _label(start: date, unit: str) -> str:
    if unit == "week":
        return f"week of {start.isoformat()}"
    if unit == "month":
        return f"{start:%Y-%m}"
    if unit == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def stacked_bars(unit: str, data: Sequence[Bin], width: int = 960, height: int = 260) -> str:
    """An SVG stacked bar chart of flagged messages per period, one colour per category."""
    left, right, top, bottom = 44, 12, 14, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((b.total for b in data), default=0) or 1
    step = plot_w / max(len(data), 1)
    bar_w = max(step * 0.8, 1.0)
    parts = [
        f'<svg class="chart" id="chart-weekly" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Flagged messages per {unit} by category">',
        f"<title>Flagged messages per {unit} by category</title>",
    ]
    for tick in _ticks(peak):
        y = top + plot_h - tick / peak * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>'
        )
    label_every = max(1, len(data) // 12)
    for i, b in enumerate(data):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for category in CATEGORIES:
            n = b.counts.get(category, 0)
            if not n:
                continue
            h = n / peak * plot_h
            y -= h
            tip = html.escape(f"{b.label}: {n} {category}")
            parts.append(
                f'<rect class="bar" data-category="{category}" data-count="{n}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[category]}"><title>{tip}</title></rect>'
            )
        if i % label_every == 0:
            short = html.escape(b.label.removeprefix("week of "))
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" '
                f'text-anchor="middle">{short}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#333"/>'
    )
    x = left
    for category in CATEGORIES:
        parts.append(
            f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{COLOURS[category]}"/>'
            f'<text x="{x + 14}" y="{height - 7}" font-size="11">{category}</text>'
        )
        x += 24 + 7 * len(category)
    parts.append("</svg>")
    return "".join(parts)


def _ticks(peak: int) -> list[int]:
    step = 1
    while peak / step > 5:
        for factor in (2, 5, 10):
            if peak / (step * factor) <= 5:
                step *= factor
                break
        else:
            step *= 10
    return list(range(0, peak + 1, step))


def heatmap(members: Sequence[MemberStats], limit: int = 50) -> str:
    """A member x category table whose cells are shaded by count (darker = more)."""
    shown = list(members[:limit])
    peak = max((m.by_category.get(c, 0) for m in shown for c in CATEGORIES), default=0) or 1
    head = "".join(f"<th>{c}</th>" for c in CATEGORIES)
    rows = []
    for m in shown:
        cells = []
        for category in CATEGORIES:
            n = m.by_category.get(category, 0)
            alpha = 0.12 + 0.88 * n / peak if n else 0.0
            colour = COLOURS[category]
            style = f' style="background:{_rgba(colour, alpha)}"' if n else ""
            ink = ' class="dark"' if alpha > 0.55 else ""
            cells.append(f'<td data-count="{n}"{style}><span{ink}>{n or ""}</span></td>')
        rows.append(f"<tr><th>{html.escape(m.name)}</th>{''.join(cells)}<td>{m.flagged}</td></tr>")
    more = ""
    if len(members) > limit:
        more = f'<p class="note">Showing the {limit} most flagged of {len(members)} members.</p>'
    return (
        f'<table class="heatmap" id="heatmap"><thead><tr><th>Member</th>{head}<th>total</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"
