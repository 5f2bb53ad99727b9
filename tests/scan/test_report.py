"""The scan pipeline (engine + policy over an export) and the reports it renders."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bot.engine import RuleSet
from bot.policy import PolicyConfig
from bot.scan import charts, read_export
from bot.scan import fixtures as fx
from bot.scan.analyse import Scanner, scan_messages
from bot.scan.jsonl import JsonlWriter
from bot.scan.report_html import SECTIONS, highlight, render_html
from bot.scan.report_md import render_md
from bot.scan.results import ScanResult
from bot.scan.synthetic import synthetic_chat
from tests.scan.scan_builders import (
    ALICE,
    BOB,
    DAN,
    EMILE,
    SCRIPT_TEXT,
    WRITERS,
    ruleset,
    scripted_chat,
)


def _scan(tmp_path: Path, fmt: str = "discord-json", **kwargs: int) -> ScanResult:
    path = WRITERS[fmt](tmp_path, scripted_chat())
    messages = read_export(path, warn=lambda _m: None)
    return scan_messages(messages, ruleset(tmp_path), PolicyConfig(), **kwargs)


def _engine_counts(rules: RuleSet, path: Path) -> Counter[str]:
    """Flagged messages per category, asking the engine directly, message by message."""
    counts: Counter[str] = Counter()
    for message in read_export(path, warn=lambda _m: None):
        if message.is_system or not message.text:
            continue
        verdict = rules.evaluate(message.text)
        if verdict.category is not None:
            counts[verdict.category] += 1
    return counts


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_format_yields_the_incidents_the_engine_finds(tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](tmp_path, scripted_chat())
    rules = ruleset(tmp_path)
    result = scan_messages(read_export(path, warn=lambda _m: None), rules, PolicyConfig())
    assert result.by_category == _engine_counts(rules, path)
    assert result.by_category == Counter(harassment=6, retaliation=1, violence=1)
    assert (result.messages, result.system, result.media) == (18, 2, 1)
    assert result.flagged_total == len(result.flagged) == 8
    # The "grass" remark made Bob a reporter; Alice's next flagged message at him is retaliation.
    assert result.grass_watches == 1
    retaliation = result.cases[next(k for k in result.cases if k.startswith("retaliation"))]
    assert retaliation.subject == ALICE.name
    assert BOB.name in retaliation.summary and "<@" not in retaliation.summary
    assert result.pattern_counts["critical"] == 2  # the grass remark and the threat
    assert result.pattern_counts["targeted_colleague"] == 1
    assert result.pattern_counts["pile_on"] >= 1
    dan = next(m for m in result.members.values() if m.name == DAN.name)
    assert dan.targeted == 3 and dan.flagged == 1
    alice = next(m for m in result.members.values() if m.name == ALICE.name)
    assert alice.by_category == Counter(harassment=2, retaliation=1)
    assert {"critical", "retaliation", "targeted_colleague"} <= set(alice.patterns)
    # Emoji survive (a cp1252 file has none to begin with: the legacy tool wrote "?").
    insult = next(f for f in result.flagged if f.author == ALICE.name and "shut up" in f.text)
    assert insult.text.endswith("?" if fmt == "whatsapp-cp1252" else "😂")


def test_multi_line_message_keeps_its_lines_and_its_context(tmp_path: Path) -> None:
    result = _scan(tmp_path, context=2)
    item = next(f for f in result.flagged if f.author == EMILE.name and f.category == "harassment")
    assert item.text == "ok fine\nnobody wants you on this team, just quit"
    assert [c.text for c in item.before] == [
        f"@{BOB.name} you grass",
        "notes from the retro:\n- more tests\n\nthanks all",
    ]
    assert item.before[0].flagged and not item.before[1].flagged
    assert [c.author for c in item.after] == ["Zoë Müller", DAN.name]
    assert item.after[0].system and item.after[1].text == SCRIPT_TEXT


class _Collect(HTMLParser):
    """Ids, tags and the text of the report, for assertions without a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: Counter[str] = Counter()
        self.hrefs: list[str] = []
        self.bars: list[tuple[str, int]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "rect" and a.get("class") == "bar":
            self.bars.append((str(a["data-category"]), int(str(a["data-count"]))))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    return parser


def test_html_report_has_every_section_figure_and_chart(tmp_path: Path) -> None:
    result = _scan(tmp_path)
    page = render_html(result)
    doc = _parse(page)
    assert {sid for sid, _ in SECTIONS} <= doc.ids
    assert {"category-severity", "members-table", "pattern-counts", "cases", "timeline"} <= doc.ids
    assert {"chart-weekly", "heatmap", "rules-table"} <= doc.ids
    # The bar chart's segments add up to the flagged counts per category.
    from_chart: Counter[str] = Counter()
    for category, count in doc.bars:
        from_chart[category] += count
    assert from_chart == result.by_category
    assert doc.tags["article"] == 8
    # Every rule link and every timeline link lands on an anchor in the page.
    internal = [h[1:] for h in doc.hrefs if h.startswith("#")]
    assert internal and set(internal) <= doc.ids
    assert "rule-test.grass" in doc.ids and "m-6" in doc.ids
    # Self-contained: no script, no external resource.
    assert doc.tags["script"] == 0 and doc.tags["link"] == 0 and doc.tags["img"] == 0
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_html_summary_table_matches_the_counts(tmp_path: Path) -> None:
    result = _scan(tmp_path)
    page = render_html(result)
    for category, n in result.by_category.items():
        row = page.split(f'<tr data-category="{category}">', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="n total">{n}</td>' in row


def test_message_text_is_escaped_so_a_script_stays_inert(tmp_path: Path) -> None:
    page = render_html(_scan(tmp_path))
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>shut up</mark>" in page


def test_highlight_marks_spans_and_escapes_around_them() -> None:
    assert highlight("a <b> grass & c", [(6, 11)]) == "a &lt;b&gt; <mark>grass</mark> &amp; c"
    assert highlight("abcdef", [(0, 3), (2, 5)]) == "<mark>abc</mark><mark>de</mark>f"


def test_capped_report_says_so_while_jsonl_has_every_message(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = JsonlWriter(out)
    path = WRITERS["discord-json"](tmp_path, scripted_chat())
    scanner = Scanner(ruleset(tmp_path), PolicyConfig(), keep=3, on_flagged=writer.write)
    for message in read_export(path):
        scanner.feed(message)
    result = scanner.finish()
    writer.finish(result)
    assert len(result.flagged) == 3 and result.flagged_total == 8
    page = render_html(result)
    assert 'id="capped"' in page and "The first 3 of 8 flagged messages" in page
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 9 and lines[-1]["summary"]["flagged"] == 8
    assert lines[-1]["summary"]["flagged_kept_in_full"] == 3


def test_jsonl_lines_carry_the_documented_keys(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = JsonlWriter(out)
    path = WRITERS["slack-zip"](tmp_path, scripted_chat())
    result = scan_messages(
        read_export(path), ruleset(tmp_path), PolicyConfig(), on_flagged=writer.write
    )
    writer.finish(result)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    keys = {"time", "channel", "author", "author_id", "text", "category", "subcategory"}
    keys |= {"severity", "rules", "spans", "patterns"}
    for row in rows[:-1]:
        assert keys <= set(row)
        start, end = row["spans"][0]
        assert row["text"][start:end]  # spans index the original text
    grass = next(r for r in rows[:-1] if r["rules"] == ["test.grass"])
    assert grass["text"][slice(*grass["spans"][0])] == "grass"
    assert grass["patterns"] == ["critical"] and grass["targets"] == [BOB.name]
    summary = rows[-1]["summary"]
    assert summary["by_category"]["harassment"] == 6 and summary["patterns"]["retaliation"] == 1
    assert summary["messages"] == 18 and summary["members_involved"] == 6


def test_markdown_summary_has_its_sections(tmp_path: Path) -> None:
    text = render_md(_scan(tmp_path))
    for heading in ("## Summary", "## Members", "## Patterns over time", "## Charts"):
        assert heading in text
    assert "## Flagged messages" in text
    assert "- Flagged: 8" in text and "| harassment | 4 | 2 | 0 | 0 | 6 |" in text
    assert "[[grass]]" in text and "Retaliation: Alice Chen" in text


@pytest.mark.parametrize(
    ("days", "unit"), [(50, "week"), (3 * 365, "month"), (20 * 365, "quarter"), (60 * 365, "year")]
)
def test_chart_groups_long_histories_and_keeps_every_count(days: int, unit: str) -> None:
    first = date(2001, 3, 7)
    last = first + timedelta(days=days)
    weekly = {
        first - timedelta(days=first.weekday()) + timedelta(weeks=w): Counter(harassment=1)
        for w in range(0, days // 7, 5)
    }
    got_unit, data = charts.bins(weekly, first, last)
    assert got_unit == unit
    assert len(data) <= charts.MAX_BARS
    assert sum(b.total for b in data) == len(weekly)
    svg = charts.stacked_bars(got_unit, data)
    assert svg.count('class="bar"') == sum(1 for b in data if b.total)
    assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"  # well-formed


def test_memory_stays_bounded_on_a_long_chat(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    fx.write_whatsapp(path, synthetic_chat(30_000, seed=3), "android_eu")
    scanner = Scanner(ruleset(tmp_path), PolicyConfig(), context=3, keep=10)
    for message in read_export(path):
        scanner.feed(message)
    result = scanner.finish()
    assert result.flagged_total > 50
    assert len(result.flagged) == 10  # kept in full: the cap
    assert all(len(f.before) <= 3 and len(f.after) == 3 for f in result.flagged)
    pending = sum(len(p) for p in scanner.windows._pending.values())
    assert pending == 0  # every kept window completed and was released
    assert len(result.members) <= 8 and len(result.timeline) <= 2000


def test_markdown_cannot_send_escape_sequences_to_the_terminal(tmp_path: Path) -> None:
    result = _scan(tmp_path)
    result.flagged[0].text = "\x1b]0;pwned\x07\x1b[2J you grass | ok"
    result.flagged[0].spans = ((len(result.flagged[0].text) - 10, len(result.flagged[0].text) - 5),)
    text = render_md(result)
    assert "\x1b" not in text and "\x07" not in text
    assert "\ufffd]0;pwned\ufffd\ufffd[2J you [[grass]] \\| ok" in text


def test_reports_say_in_plain_words_what_a_serious_flag_is(tmp_path: Path) -> None:
    result = _scan(tmp_path)
    # The scripted threat is violence/threat; the code alone would leave a reader to decode it.
    assert "threat of violence (violence/threat, critical)" in render_md(result)
    assert '<span class="what">threat of violence</span>' in render_html(result)
