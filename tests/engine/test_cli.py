"""The engine commands work with no token and no network, and keep their output contracts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.engine.conftest import FEATURE_RULES


@pytest.fixture
def rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "test.yaml").write_text(FEATURE_RULES)
    monkeypatch.setenv("UPSTANDER_RULES", str(directory))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return directory


def test_check_highlights_spans(rules_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "honestly, immigrants are rats"]) == 0
    out = capsys.readouterr().out
    assert "FLAGGED: discrimination/racism (high)" in out
    assert "honestly, [[immigrants are rats]]" in out
    assert "why: This compares a group of people to vermin." in out


def test_check_shows_what_context_cancelled(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "women are not vermin"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("not flagged")
    assert "negated" in out


def test_classify_streams_one_line_per_input_in_order(
    rules_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        {"id": 1, "text": "what a f@g"},
        {"id": "two", "text": "lunch at noon?"},
        {"id": None, "text": "I'll kill you"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines) + "\n"))
    assert main(["classify"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == [1, "two", None]
    assert out[0] == {
        "id": 1,
        "flagged": True,
        "category": "discrimination",
        "subcategory": "homophobia",
        "severity": "high",
        "rules": ["test.slur"],
        "spans": [[7, 10]],
    }
    assert out[1]["flagged"] is False and out[1]["category"] is None
    assert out[2]["severity"] == "critical"


def test_classify_names_a_bad_input_line(
    rules_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "ok"}\nnot json\n'))
    assert main(["classify"]) == 2
    assert "stdin line 2" in capsys.readouterr().err


def test_rules_lint_and_test_pass_on_good_rules(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "lint"]) == 0
    assert main(["rules", "test"]) == 0
    assert "2 examples passed, 0 failed" in capsys.readouterr().out


def test_rules_lint_prints_file_and_line(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (rules_dir / "broken.yaml").write_text("rules:\n  - id: x\n    colour: red\n")
    assert main(["rules", "lint", str(rules_dir)]) == 1
    out = capsys.readouterr().out
    assert f"{rules_dir / 'broken.yaml'}:3: rule 1 (x): unknown key 'colour'" in out


def test_rules_test_fails_on_a_wrong_example(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = FEATURE_RULES.replace('pass: ["going for a fag break"]', 'pass: ["what a fag"]')
    (rules_dir / "test.yaml").write_text(text)
    assert main(["rules", "test"]) == 1
    out = capsys.readouterr().out
    assert "test.yaml:" in out and "should pass: 'what a fag'" in out


def test_eval_reports_the_figures(
    rules_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "id": 1,
            "text": "what a fag",
            "label": "flag",
            "category": "discrimination",
            "detail": {"functionality": "slur"},
        },
        {
            "id": 2,
            "text": "immigrants are rats",
            "label": "flag",
            "category": "violence",
            "detail": {"functionality": "derog"},
        },
        {
            "id": 3,
            "text": "kill the build",
            "label": "pass",
            "category": "none",
            "detail": {"functionality": "idiom"},
        },
        {
            "id": 4,
            "text": "bloody muppet",
            "label": "flag",
            "category": "harassment",
            "detail": {"functionality": "insult"},
        },
        {"id": 5, "text": "fuck you", "label": "policy", "category": "harassment"},
    ]
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["eval", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["precision"] == 1.0
    assert report["false_positive_rate"] == 0.0
    assert report["policy_flag_rate"] == 1.0
    assert report["category_accuracy"] == 0.5  # the second row's category is deliberately wrong
    assert report["by_functionality"]["insult"] == {"accuracy": 0.0, "n": 1}


def test_schema_is_json(rules_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Upstander rule file"


def test_broken_rules_stop_check_with_a_clear_error(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (rules_dir / "test.yaml").write_text("rules: [")
    assert main(["check", "hello"]) == 2
    assert "YAML syntax" in capsys.readouterr().err


def test_check_says_each_cancelled_hit_once_in_words(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "you said women are not vermin"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cancelled = [line for line in lines if "not counted" in line]
    assert cancelled == [
        "  (not counted: test.dehumanising 'women are not vermin': negated: a \"not\", "
        '"never", "no"... denies it)'
    ]
    assert '  aimed at: whoever it addresses ("you")' in lines
    assert not any("mentions=" in line or "reply_to=" in line for line in lines)


def test_check_shows_an_exception_whole(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regex = r"fag break (?:at|by|in) the (?:[a-z]+ )+(?:shelter|bench|bins)"  # over 40 characters
    text = FEATURE_RULES.replace("terms: [fag break]", f"regex: ['{regex}']")
    (rules_dir / "test.yaml").write_text(text)
    assert main(["check", "fag break at the old smoking shelter?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("not flagged")
    assert f"an exception of the rule overlaps it: {regex})" in out


def test_every_engine_command_names_its_rules_and_version(
    rules_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = f"rules: {rules_dir}, version "
    assert main(["check", "hello"]) == 0
    check = capsys.readouterr().out.splitlines()[-1]
    assert check.startswith(expected)
    assert main(["rules", "lint"]) == 0
    assert capsys.readouterr().out.startswith(expected)
    assert main(["rules", "test"]) == 0
    assert capsys.readouterr().out.startswith(expected)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "hi"}\n'))
    assert main(["classify"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(expected)  # stdout stays the JSONL contract
    assert json.loads(captured.out)["id"] == 1
    version = check.split("version ")[1].split(",")[0]
    # The same directory by another name has the same version.
    monkeypatch.setenv("UPSTANDER_RULES", str(rules_dir) + "/.")
    assert main(["check", "hello"]) == 0
    assert f"version {version}," in capsys.readouterr().out


def test_a_missing_rules_directory_says_how_to_make_one(
    rules_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPSTANDER_RULES", "nowhere")
    assert main(["check", "hello"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "nowhere: rules directory not found; `upstander rules init nowhere` creates it with a "
        "copy of the built-in rules",
        "upstander: rules in nowhere (UPSTANDER_RULES) have 1 error(s)",
    ]
