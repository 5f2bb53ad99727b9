"""`upstander scan` end to end: generated exports in every format in, reports and errors out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import load_rules
from bot.policy import load_policy
from bot.scan import fixtures as fx
from bot.scan import progress
from bot.scan.report_html import SECTIONS
from bot.scan.synthetic import synthetic_chat
from tests.scan.scan_builders import WRITERS, scripted_chat, write_rules

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Test rules in UPSTANDER_RULES; the working directory has no .env to interfere."""
    directory = write_rules(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UPSTANDER_RULES", str(directory))
    return directory


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_scan_writes_html_and_jsonl_for_every_format(
    rules: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS[fmt](tmp_path, scripted_chat())
    out = tmp_path / "report.html"
    assert main(["scan", str(export), "--out", str(out), "--no-progress"]) == 0
    page = out.read_text(encoding="utf-8")
    for sid, title in SECTIONS:
        assert f'<section id="{sid}"><h2>{title}</h2>' in page
    assert '<svg class="chart" id="chart-weekly"' in page and 'id="heatmap"' in page
    assert "<script" not in page
    rows = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    assert len(rows) == 9 and rows[-1]["summary"]["flagged"] == 8
    assert {r["category"] for r in rows[:-1]} == {"harassment", "retaliation", "violence"}
    assert not list(tmp_path.glob("*.part"))
    err = capsys.readouterr().err
    assert "18 messages, 8 flagged" in err and "messages/s" in err


def test_default_output_is_the_markdown_summary(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS["whatsapp-ios"](tmp_path, scripted_chat())
    assert main(["scan", str(export)]) == 0
    text = capsys.readouterr().out
    for heading in ("## Summary", "## Members", "## Patterns over time", "## Flagged messages"):
        assert heading in text
    assert "- Flagged: 8" in text


def test_jsonl_to_stdout_streams_every_flagged_message(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS["discord-csv-us"](tmp_path, scripted_chat())
    assert main(["scan", str(export), "--format", "jsonl", "--keep", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 9 and "summary" in rows[-1]
    assert rows[0]["author"] == "Alice Chen" and rows[0]["rules"] == ["test.grass"]


def test_several_exports_are_merged_in_time_order(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = WRITERS["whatsapp-android-eu"](tmp_path, scripted_chat())
    other = tmp_path / "other.json"
    fx.write_discord_json(other, synthetic_chat(300, seed=5))
    out = tmp_path / "both.jsonl"
    assert main(["scan", str(chat), str(other), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    summary = rows[-1]["summary"]
    assert summary["messages"] == 318
    assert summary["formats"] == {"whatsapp": 18, "discord_json": 300}
    times = [r["time"] for r in rows[:-1]]
    assert times == sorted(times)


def test_markdown_to_a_file(rules: Path, tmp_path: Path) -> None:
    export = WRITERS["slack-folder"](tmp_path, scripted_chat())
    out = tmp_path / "summary.md"
    assert main(["scan", str(export), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Upstander scan report")
    assert not (tmp_path / "summary.jsonl").exists()


def test_unknown_format_names_the_line(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("\n\nshopping list\nmilk\n", encoding="utf-8")
    assert main(["scan", str(notes)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"upstander scan: {notes}:3: unknown export format")
    assert len(err.splitlines()) == 1


def test_malformed_whatsapp_line_names_it_and_leaves_no_report(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS["whatsapp-android-eu"](tmp_path, scripted_chat())
    lines = export.read_text(encoding="utf-8").count("\n")
    with export.open("a", encoding="utf-8") as f:
        f.write("31/02/2024, 10:00 - Dan: the last day of February\n")
    out = tmp_path / "report.html"
    assert main(["scan", str(export), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"upstander scan: {export}:{lines + 1}: bad date")
    assert not out.exists() and not (tmp_path / "report.jsonl").exists()
    assert not list(tmp_path.glob("*.part"))


def test_truncated_discord_json_names_the_line(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS["discord-json"](tmp_path, scripted_chat())
    text = export.read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    export.write_text(cut, encoding="utf-8")
    assert main(["scan", str(export), "--format", "md"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"upstander scan: {export}:")
    line = int(err.split(f"{export}:", 1)[1].split(":", 1)[0])
    assert 1 < line <= cut.count("\n") + 1


def test_missing_file_and_bad_rules_exit_2(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: no such file or folder" in capsys.readouterr().err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("rules:\n  - id: BAD ID\n", encoding="utf-8")
    export = WRITERS["discord-json"](tmp_path, scripted_chat())
    assert main(["scan", str(export), "--rules", str(broken)]) == 2
    assert "x.yaml:2:" in capsys.readouterr().err


def test_non_utf8_export_warns_and_the_report_says_so(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = WRITERS["whatsapp-cp1252"](tmp_path, scripted_chat())
    out = tmp_path / "r.html"
    assert main(["scan", str(export), "--out", str(out)]) == 0
    assert "not valid UTF-8" in capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert 'id="notes"' in page and "not valid UTF-8" in page and "Émile Café" in page


def test_progress_can_be_forced_and_shows_throughput(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "REDRAW_EVERY", 0.0)
    export = tmp_path / "chat.txt"
    fx.write_whatsapp(export, synthetic_chat(5000), "android_us")
    assert main(["scan", str(export), "--progress", "--format", "jsonl"]) == 0
    err = capsys.readouterr().err
    assert "msg/s" in err and "4,096 messages" in err.replace("  ", " ").replace("  ", " ")


def test_scan_runs_with_the_default_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UPSTANDER_RULES", str(DEFAULT_RULES))
    export = tmp_path / "export.json"
    fx.write_discord_json(export, synthetic_chat(2000, seed=2))
    out = tmp_path / "report.html"
    code = main(["scan", str(export), "--out", str(out)])
    if load_rules(DEFAULT_RULES).ok and load_policy(DEFAULT_RULES).ok:
        assert code == 0
        assert '<section id="summary">' in out.read_text(encoding="utf-8")
        summary = json.loads(out.with_suffix(".jsonl").read_text().splitlines()[-1])["summary"]
        assert summary["messages"] == 2000
    else:
        # The shipped rules are mid-rewrite: the scan must refuse them with file:line errors.
        assert code == 2
        assert "upstander scan: rules in" in capsys.readouterr().err
