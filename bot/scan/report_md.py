"""The text summary (`--format md`, the default in a terminal): Markdown that reads as text.

It carries the same sections as the HTML report, shorter: the most serious flagged messages only,
and the weekly chart as a bar of block characters.
"""

from __future__ import annotations

from datetime import datetime

from bot.engine import labels
from bot.engine.verdict import CATEGORIES
from bot.scan import charts
from bot.scan.results import PATTERN_TITLES, PATTERNS, SEVERITIES, Flagged, ScanResult

MD_FLAGGED_LIMIT = 20
MD_MEMBERS_LIMIT = 30
_BAR_WIDTH = 40


# Control characters (C0 and C1, except tab) shown as U+FFFD: a message must not be able to
# send escape sequences to the terminal that prints this report.
_CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
_CONTROLS |= {ord("\n"): " ⏎ ", ord("\r"): " ", ord("|"): "\\|"}


def _cell(text: str) -> str:
    """Text made safe for one table cell or list line: no table breaks, no terminal escapes."""
    return text.translate(_CONTROLS)


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "–"


def render_md(result: ScanResult) -> str:
    """The summary as Markdown text."""
    r = result
    out: list[str] = ["# Upstander scan report", ""]
    out.append(f"Files: {_cell(', '.join(r.files)) or '(none)'}  ")
    out.append(f"Rules: {r.rules_version}")
    out += ["", "## Summary", ""]
    share = (
        f" ({100 * r.flagged_total / r.evaluated:.2f}% of messages with text)"
        if r.evaluated
        else ""
    )
    out.append(f"- Messages read: {r.messages:,} ({r.system:,} system, {r.media:,} media only)")
    out.append(f"- Flagged: {r.flagged_total:,}{share}")
    out.append(f"- Members involved: {len(r.involved()):,} of {len(r.members):,}")
    out.append(f"- Cases a moderator would see: {sum(r.pattern_counts.values()):,}")
    out.append(f"- Period: {_date(r.first_at)} to {_date(r.last_at)}")
    if r.seconds:
        out.append(f"- Scan: {r.seconds:,.1f} s, {r.throughput:,.0f} messages/s")
    if r.flagged_dropped:
        out.append(
            f"- Only the first {len(r.flagged):,} flagged messages were kept in full; "
            "the JSONL output has every one."
        )
    if r.warnings_total:
        out.append(f"- Reader warnings: {r.warnings_total}")
        out.extend(f"  - {_cell(w)}" for w in r.warnings[:5])
    out += ["", "| category | " + " | ".join(SEVERITIES) + " | total |"]
    out.append("|---|" + "---:|" * (len(SEVERITIES) + 1))
    for category in CATEGORIES:
        cells = " | ".join(str(r.by_category_severity.get((category, s), 0)) for s in SEVERITIES)
        out.append(f"| {category} | {cells} | {r.by_category.get(category, 0)} |")
    out += _members(r)
    out += _patterns(r)
    out += _chart(r)
    out += _flagged(r)
    return "\n".join(out) + "\n"


def _members(r: ScanResult) -> list[str]:
    out = ["", "## Members", ""]
    involved = r.involved()
    if not involved:
        return [*out, "No member sent or received a flagged message."]
    out.append(
        "| member | messages | flagged | " + " | ".join(CATEGORIES) + " | first | last "
        "| targeted | patterns |"
    )
    out.append("|---|---:|---:|" + "---:|" * len(CATEGORIES) + "---|---|---:|---|")
    for m in involved[:MD_MEMBERS_LIMIT]:
        cats = " | ".join(str(m.by_category.get(c, 0)) for c in CATEGORIES)
        patterns = ", ".join(f"{p} ×{n}" for p, n in m.patterns.most_common())
        out.append(
            f"| {_cell(m.name)} | {m.messages:,} | {m.flagged} | {cats} | "
            f"{_date(m.first_flagged)} | {_date(m.last_flagged)} | {m.targeted} | {patterns} |"
        )
    if len(involved) > MD_MEMBERS_LIMIT:
        out.append(f"\n… and {len(involved) - MD_MEMBERS_LIMIT} more (see the HTML or JSONL).")
    return out


def _patterns(r: ScanResult) -> list[str]:
    out = ["", "## Patterns over time", ""]
    for p in PATTERNS:
        out.append(f"- {PATTERN_TITLES[p]}: {r.pattern_counts.get(p, 0)}")
    out.append(f'- Retaliation watches after someone was called a "grass": {r.grass_watches}')
    if r.timeline:
        out.append("")
        for event in r.timeline[:MD_FLAGGED_LIMIT]:
            out.append(f"- {event.at:%Y-%m-%d %H:%M} {_cell(event.summary)}")
        if len(r.timeline) > MD_FLAGGED_LIMIT:
            out.append(f"- … {len(r.timeline) - MD_FLAGGED_LIMIT} more")
    return out


def _chart(r: ScanResult) -> list[str]:
    out = ["", "## Charts", ""]
    if r.first_at is None or r.last_at is None or not r.flagged_total:
        return [*out, "Nothing flagged."]
    unit, data = charts.bins(r.weekly, r.first_at.date(), r.last_at.date())
    shown = [b for b in data if b.total] or data
    peak = max(b.total for b in shown) or 1
    out.append(f"Flagged messages per {unit} (periods with none left out):")
    out.append("```")
    for b in shown[-52:]:
        bar = "█" * max(1, round(b.total / peak * _BAR_WIDTH))
        label = b.label.removeprefix("week of ")
        out.append(f"{label:>10} {bar} {b.total}")
    out.append("```")
    return out


def _flagged(r: ScanResult) -> list[str]:
    out = ["", "## Flagged messages", ""]
    if not r.flagged:
        return [*out, "No message was flagged."]
    worst = sorted(r.flagged, key=lambda f: (-f.severity, f.seq))[:MD_FLAGGED_LIMIT]
    out.append(
        f"The {len(worst)} most serious of {r.flagged_total:,} (all of them are in the HTML "
        "report and the JSONL output):"
    )
    out.append("")
    for f in sorted(worst, key=lambda f: f.seq):
        out.append(_flag(f))
    return out


def _flag(f: Flagged) -> str:
    aimed = f" → {_cell(', '.join(f.targets))}" if f.targets else ""
    patterns = f" [{', '.join(f.patterns)}]" if f.patterns else ""
    return (
        f"- {f.time:%Y-%m-%d %H:%M} #{_cell(f.channel)} **{_cell(f.author)}**{aimed}: "
        f"{labels.described(f.category, f.subcategory, f.severity.label)} "
        f"({', '.join(f.rules)}){patterns}  \n"
        f"  > {_cell(_marked(f.text, f.spans))}"
    )


def _marked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The text with matched spans in [[ ]], as `upstander check` shows them."""
    out, position = [], 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out += [text[position:start], "[[", text[start:end], "]]"]
        position = end
    out.append(text[position:])
    return "".join(out)
