"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL).

Every piece of text that came from the export (names, channels, messages, file names) passes
through `html.escape`, so a message reading `<script>` shows as text and never runs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from bot.engine import labels
from bot.engine.verdict import CATEGORIES
from bot.scan import charts
from bot.scan.results import (
    PATTERN_TITLES,
    PATTERNS,
    SEVERITIES,
    ContextLine,
    Flagged,
    MemberStats,
    ScanResult,
)

SECTIONS = (
    ("summary", "Summary"),
    ("members", "Members"),
    ("patterns", "Patterns over time"),
    ("charts", "Charts"),
    ("flagged", "Flagged messages"),
)

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1100px;padding:0 16px 48px;color:#1d1d1f;background:#fff}
h1{margin:24px 0 4px}h2{border-bottom:2px solid #eee;padding-bottom:4px;margin-top:36px}
nav a{margin-right:14px}.meta,.note{color:#555}.note{font-style:italic}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top}thead th{background:#f4f4f4}td.n,th.n{text-align:right}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.figure b{display:block;font-size:22px}
.sev{border-radius:3px;padding:0 5px;color:#fff;font-size:12px}
.sev-low{background:#7f8c8d}.sev-medium{background:#d68910}.sev-high{background:#c0392b}
.sev-critical{background:#641e16}
.cat{font-weight:600}.heatmap td{text-align:center;min-width:70px}.heatmap .dark{color:#fff}
article.flag{border:1px solid #ddd;border-left:5px solid #c0392b;border-radius:4px;
margin:14px 0;padding:6px 10px}
article.flag header{margin-bottom:4px}ol.context{list-style:none;padding:0;margin:0}
ol.context li{padding:1px 4px;white-space:pre-wrap;word-break:break-word}
ol.context li.this{background:#fff4f2;border-radius:3px}
ol.context li.other-flag{background:#fbfbf2}ol.context li.system{color:#777;font-style:italic}
.t{color:#777;font-size:12px;margin-right:6px}.a{font-weight:600;margin-right:4px}
mark{background:#ffd54f;padding:0 1px}
svg.chart{max-width:100%;height:auto;border:1px solid #eee}
"""


def render_html(result: ScanResult, generated: datetime | None = None) -> str:
    """The whole report as one string."""
    parts: list[str] = []
    write_html(result, _ListWriter(parts), generated)
    return "".join(parts)


class Sink(Protocol):
    """Anything with `write(str)`: an open text file, or the list collector below."""

    def write(self, text: str, /) -> int:
        """Write text; returns the number of characters written."""
        ...


class _ListWriter:
    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def write(self, text: str, /) -> int:
        self.parts.append(text)
        return len(text)


def write_html(result: ScanResult, out: Sink, generated: datetime | None = None) -> None:
    """Write the report to `out`, section by section."""
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    files = ", ".join(html.escape(f) for f in result.files) or "(none)"
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Upstander scan report</title><style>{_CSS}</style></head><body>\n"
        f'<header><h1>Upstander scan report</h1><p class="meta">{files} · generated {when} · '
        f"rules {html.escape(result.rules_version)}</p><nav>"
        + "".join(f'<a href="#{sid}">{title}</a>' for sid, title in SECTIONS)
        + "</nav></header>\n"
    )
    for body in (
        _summary(result),
        _members(result),
        _patterns(result),
        _charts(result),
    ):
        out.write(body)
    _flagged(result, out)
    out.write(
        '<footer><p class="note">Upstander flags wording for a person to read in context; a flag '
        "is not a finding. Every flagged message is also in the JSONL file written beside this "
        "report.</p></footer></body></html>\n"
    )


def _section(sid: str, title: str, body: Iterable[str]) -> str:
    return f'<section id="{sid}"><h2>{title}</h2>\n{"".join(body)}</section>\n'


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "–"


def _figure(label: str, value: str, fid: str) -> str:
    return f'<div class="figure" id="fig-{fid}"><b>{value}</b>{label}</div>'


def _summary(r: ScanResult) -> str:
    share = f"{100 * r.flagged_total / r.evaluated:.2f}%" if r.evaluated else "0%"
    figures = [
        _figure("messages read", f"{r.messages:,}", "messages"),
        _figure(
            f"flagged ({share} of {r.evaluated:,} with text)", f"{r.flagged_total:,}", "flagged"
        ),
        _figure("members involved", f"{len(r.involved()):,}", "members"),
        _figure("cases a moderator would see", f"{sum(r.pattern_counts.values()):,}", "cases"),
        _figure("period", f"{_date(r.first_at)} – {_date(r.last_at)}", "period"),
    ]
    if r.seconds:
        figures.append(_figure(f"msg/s ({r.seconds:,.1f} s)", f"{r.throughput:,.0f}", "speed"))
    head = "".join(f'<th class="n">{s}</th>' for s in SEVERITIES)
    rows = []
    for category in CATEGORIES:
        cells = "".join(
            f'<td class="n">{r.by_category_severity.get((category, s), 0)}</td>' for s in SEVERITIES
        )
        total = r.by_category.get(category, 0)
        rows.append(
            f'<tr data-category="{category}"><th class="cat">{category}</th>{cells}'
            f'<td class="n total">{total}</td></tr>'
        )
    totals = "".join(f'<td class="n">{r.by_severity.get(s, 0)}</td>' for s in SEVERITIES)
    notes = _notes(r)
    by_format = ", ".join(f"{k}: {v:,}" for k, v in sorted(r.formats.items()))
    return _section(
        "summary",
        "Summary",
        [
            f'<div class="figures">{"".join(figures)}</div>',
            "<p>Flagged messages by category (of the most serious hit) and severity:</p>",
            f'<table id="category-severity"><thead><tr><th>category</th>{head}'
            f'<th class="n">total</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            f'<tfoot><tr><th>total</th>{totals}<td class="n">{r.flagged_total}</td></tr></tfoot>'
            "</table>",
            f'<p class="meta">Read: {html.escape(by_format)}; {r.system:,} system messages and '
            f"{r.media:,} media-only messages were not evaluated.</p>",
            notes,
        ],
    )


def _notes(r: ScanResult) -> str:
    items = []
    if r.flagged_dropped:
        items.append(
            f'<li id="capped">The first {len(r.flagged):,} of {r.flagged_total:,} flagged messages '
            "are shown in full below; all figures count every message, and the JSONL file lists "
            "every flagged message.</li>"
        )
    if r.warnings_total:
        shown = "".join(f"<li>{html.escape(w)}</li>" for w in r.warnings)
        more = "" if r.warnings_total <= len(r.warnings) else f" (first {len(r.warnings)} shown)"
        items.append(f"<li>{r.warnings_total} reader warning(s){more}:<ul>{shown}</ul></li>")
    if r.timeline_dropped:
        items.append(
            f"<li>{r.timeline_dropped:,} later case openings are not in the timeline.</li>"
        )
    return f'<ul class="note" id="notes">{"".join(items)}</ul>' if items else ""


def _members(r: ScanResult) -> str:
    involved = r.involved()
    if not involved:
        return _section(
            "members", "Members", ["<p>No member sent or received a flagged message.</p>"]
        )
    head = "".join(f'<th class="n">{c}</th>' for c in CATEGORIES)
    rows = [_member_row(m, r) for m in involved]
    return _section(
        "members",
        "Members",
        [
            f"<p>{len(involved)} of {len(r.members)} members sent or received a flagged "
            "message. <i>Targeted</i> counts flagged messages from others aimed at the member "
            "(mention, reply or name).</p>",
            f'<table id="members-table"><thead><tr><th>member</th><th class="n">messages</th>'
            f'<th class="n">flagged</th>{head}<th>first / last flagged</th>'
            '<th class="n">targeted</th><th>rules</th><th>patterns</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>",
        ],
    )


def _member_row(m: MemberStats, r: ScanResult) -> str:
    cats = "".join(f'<td class="n">{m.by_category.get(c, 0) or ""}</td>' for c in CATEGORIES)
    rules = ", ".join(
        f'<a href="#rule-{html.escape(rid)}">{html.escape(rid)}</a> ×{n}'
        for rid, n in m.rules.most_common(5)
    )
    patterns = ", ".join(f"{html.escape(p)} ×{n}" for p, n in m.patterns.most_common())
    return (
        f'<tr><th>{html.escape(m.name)}</th><td class="n">{m.messages:,}</td>'
        f'<td class="n">{m.flagged}</td>{cats}'
        f"<td>{_date(m.first_flagged)} / {_date(m.last_flagged)}</td>"
        f'<td class="n">{m.targeted}</td><td>{rules}</td><td>{patterns}</td></tr>'
    )


def _patterns(r: ScanResult) -> str:
    counts = "".join(
        f'<tr data-pattern="{p}"><th>{PATTERN_TITLES[p]}</th>'
        f'<td class="n">{r.pattern_counts.get(p, 0)}</td></tr>'
        for p in PATTERNS
    )
    cases = sorted(r.cases.values(), key=lambda c: c.first_at or datetime.min.replace(tzinfo=UTC))
    case_rows = "".join(
        f"<tr><td>{html.escape(PATTERN_TITLES.get(c.pattern, c.pattern))}</td>"
        f"<td>{html.escape(c.subject)}</td><td>{_date(c.first_at)}</td><td>{_date(c.last_at)}</td>"
        f'<td class="n">{c.opened}</td><td class="n">{c.incidents}</td>'
        f"<td>{html.escape(', '.join(c.offenders))}</td><td>{html.escape(c.summary)}</td></tr>"
        for c in cases
    )
    timeline = "".join(
        f'<li><span class="t">{e.at:%Y-%m-%d %H:%M}</span> '
        f"<b>{html.escape(PATTERN_TITLES.get(e.pattern, e.pattern))}</b> — "
        f'{html.escape(e.summary)} <a href="#m-{e.seq}">message</a></li>'
        for e in r.timeline
    )
    return _section(
        "patterns",
        "Patterns over time",
        [
            "<p>The escalation policy ran over the history in time order, as it would have live: "
            "these are the cases it would have put in front of a moderator.</p>",
            f'<table id="pattern-counts"><thead><tr><th>pattern</th><th class="n">cases opened'
            f"</th></tr></thead><tbody>{counts}</tbody></table>",
            f'<p>Retaliation watches started because someone was called a "grass" (or similar) '
            f"in a message aimed at them: {r.grass_watches}. After such a message, the sender's "
            "later flagged messages aimed at that person count as retaliation.</p>",
            "<h3>Cases</h3>",
            '<table id="cases"><thead><tr><th>pattern</th><th>about</th><th>first</th>'
            '<th>last</th><th class="n">opened</th><th class="n">incidents</th><th>offenders</th>'
            f"<th>why</th></tr></thead><tbody>{case_rows}</tbody></table>"
            if case_rows
            else "<p>No case would have been opened.</p>",
            f'<h3>Timeline</h3><ol id="timeline">{timeline}</ol>' if timeline else "",
        ],
    )


def _charts(r: ScanResult) -> str:
    if r.first_at is None or r.last_at is None:
        return _section("charts", "Charts", ["<p>No messages.</p>"])
    unit, data = charts.bins(r.weekly, r.first_at.date(), r.last_at.date())
    return _section(
        "charts",
        "Charts",
        [
            f"<h3>Flagged messages per {unit}, by category</h3>",
            charts.stacked_bars(unit, data),
            "<h3>Members × categories</h3>",
            charts.heatmap(r.involved()) if r.involved() else "<p>Nothing flagged.</p>",
        ],
    )


def _flagged(r: ScanResult, out: Sink) -> None:
    out.write('<section id="flagged"><h2>Flagged messages</h2>\n')
    if r.flagged_dropped:
        out.write(
            f'<p class="note">Showing the first {len(r.flagged):,} of {r.flagged_total:,} '
            "(the JSONL file has all of them).</p>"
        )
    elif not r.flagged:
        out.write("<p>No message was flagged.</p>")
    for item in r.flagged:
        out.write(_flag(item))
    out.write(_rules(r))
    out.write("</section>\n")


def _flag(f: Flagged) -> str:
    rules = " ".join(f'<a href="#rule-{html.escape(x)}">{html.escape(x)}</a>' for x in f.rules)
    aimed = f" → {html.escape(', '.join(f.targets))}" if f.targets else ""
    patterns = (
        f' · <span class="patterns">{html.escape(", ".join(f.patterns))}</span>'
        if f.patterns
        else ""
    )
    lines = [_line(c, "other-flag" if c.flagged else "") for c in f.before]
    lines.append(
        f'<li class="this"><span class="t">{f.time:%Y-%m-%d %H:%M}</span>'
        f'<span class="a">{html.escape(f.author)}:</span>{highlight(f.text, f.spans)}</li>'
    )
    lines.extend(_line(c, "other-flag" if c.flagged else "") for c in f.after)
    where = f"{html.escape(f.origin)}:{f.line}" if f.origin else ""
    return (
        f'<article class="flag" id="m-{f.seq}" data-category="{f.category}">'
        f'<header><span class="sev sev-{f.severity.label}">{f.severity.label}</span> '
        f'<span class="cat">{f.category}/{html.escape(f.subcategory)}</span>{_plain(f)} · '
        f"{f.time:%Y-%m-%d %H:%M} · #{html.escape(f.channel)} · "
        f"<b>{html.escape(f.author)}</b>{aimed} · rule {rules}{patterns} "
        f'<span class="t">{where}</span></header>'
        f'<ol class="context">{"".join(lines)}</ol></article>\n'
    )


def _line(c: ContextLine, css: str) -> str:
    cls = " ".join(x for x in (css, "system" if c.system else "") if x)
    attr = f' class="{cls}"' if cls else ""
    return (
        f'<li{attr}><span class="t">{c.time:%Y-%m-%d %H:%M}</span>'
        f'<span class="a">{html.escape(c.author)}:</span>{html.escape(c.text)}</li>'
    )


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The escaped text with each matched span wrapped in `<mark>` (overlaps merged)."""
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        if end <= start:
            continue
        out.append(html.escape(text[position:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def _rules(r: ScanResult) -> str:
    rows = "".join(
        f'<tr id="rule-{html.escape(info.id)}"><th>{html.escape(info.id)}</th>'
        f"<td>{html.escape(info.category)}/{html.escape(info.subcategory)}</td>"
        f'<td><span class="sev sev-{html.escape(info.severity)}">{html.escape(info.severity)}'
        f'</span></td><td class="n">{r.rule_counts.get(info.id, 0)}</td>'
        f"<td>{html.escape(info.nudge)}</td><td>{html.escape(info.source)}</td></tr>"
        for info in sorted(r.rules.values(), key=lambda i: -r.rule_counts.get(i.id, 0))
    )
    if not rows:
        return ""
    return (
        '<h3 id="rules">Rules that flagged messages</h3><table id="rules-table"><thead><tr>'
        '<th>rule</th><th>category</th><th>severity</th><th class="n">messages</th>'
        f"<th>what the sender would be told</th><th>defined in</th></tr></thead><tbody>{rows}"
        "</tbody></table>"
    )


def _plain(f: Flagged) -> str:
    """The plain words for the category, where the code alone says too little."""
    words = labels.plain(f.category, f.subcategory)
    return f' <span class="what">{html.escape(words)}</span>' if words else ""
