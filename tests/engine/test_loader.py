"""Loading rules: clear file:line errors, never raising, never half-applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.engine import compile_files, load_rules
from bot.engine.schema import RuleFile

GOOD_RULE = """\
rules:
  - id: ok.rule
    category: harassment
    subcategory: insult
    severity: low
    match:
      terms: [muppet]
    nudge: "This reads as an insult aimed at someone."
"""


def _errors(text: str, name: str = "rules/x.yaml") -> list[str]:
    result = compile_files({name: text})
    assert result.ruleset is None
    return [str(e) for e in result.errors]


def test_good_file_loads() -> None:
    result = compile_files({"rules/x.yaml": GOOD_RULE})
    assert result.ok and result.ruleset is not None
    assert len(result.ruleset) == 1
    assert len(result.ruleset.version) == 12


def test_unknown_key_is_named_with_its_line() -> None:
    text = GOOD_RULE.replace("    severity: low\n", "    severity: low\n    sevrity: high\n")
    assert _errors(text) == ["rules/x.yaml:6: rule 1 (ok.rule): unknown key 'sevrity'"]


def test_bad_value_is_named_with_its_line() -> None:
    errors = _errors(GOOD_RULE.replace("category: harassment", "category: banter"))
    assert len(errors) == 1 and errors[0].startswith("rules/x.yaml:3: rule 1 (ok.rule), category:")


def test_duplicate_rule_id_names_both_places() -> None:
    errors = [str(e) for e in compile_files({"a.yaml": GOOD_RULE, "b.yaml": GOOD_RULE}).errors]
    assert errors == ["b.yaml:2: duplicate rule id 'ok.rule' (first at a.yaml:2)"]


def test_unknown_term_set_is_an_error() -> None:
    errors = _errors(GOOD_RULE.replace("[muppet]", "['@insults']"))
    assert errors == ["rules/x.yaml:7: unknown term set '@insults'"]  # the term's own line


@pytest.mark.parametrize(
    ("regex", "reason"),
    [
        ("(unclosed", "RE2 rejects the pattern"),
        ("(a)\\1", "RE2 rejects the pattern"),  # back-references are not linear-time
        ("(?<=x)y", "RE2 rejects the pattern"),  # nor is look-behind
    ],
)
def test_regex_re2_rejects_is_an_error(regex: str, reason: str) -> None:
    text = GOOD_RULE.replace("terms: [muppet]", f"regex: ['{regex}']")
    errors = _errors(text)
    assert len(errors) == 1 and errors[0].startswith("rules/x.yaml:7: regex ")  # its line
    assert reason in errors[0]


def test_yaml_syntax_error_names_the_line() -> None:
    errors = _errors(GOOD_RULE + "  - id: [unclosed\n")
    assert errors == [
        "rules/x.yaml:9: YAML syntax: this '[' list is not closed "
        "(expected ',' or ']', but got '<stream end>' at line 10)"
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "rules: !!python/object/apply:os.system ['echo owned']",
        "rules: !include other.yaml",
        "termsets: {x: !!set {a, b}}",
    ],
)
def test_yaml_tags_are_refused(payload: str) -> None:
    errors = _errors(payload)
    assert len(errors) == 1
    assert "YAML tags are not allowed" in errors[0] or "unsupported YAML value" in errors[0]


def test_deep_nesting_is_refused_not_crashing() -> None:
    errors = _errors("termsets: " + "[" * 5000 + "]" * 5000)
    assert len(errors) == 1


def test_one_bad_rule_means_nothing_is_applied() -> None:
    bad = GOOD_RULE.replace("ok.rule", "bad.rule").replace("[muppet]", "['@nope']")
    result = compile_files({"a.yaml": GOOD_RULE, "b.yaml": bad})
    assert result.ruleset is None
    assert [e.file for e in result.errors] == ["b.yaml"]


def test_wildcard_in_the_middle_is_an_error() -> None:
    errors = _errors(GOOD_RULE.replace("[muppet]", "['mup*pet']"))
    assert "only allowed at the start or end" in errors[0]


def test_load_rules_reports_missing_directory(tmp_path: Path) -> None:
    result = load_rules(tmp_path / "absent")
    assert result.ruleset is None
    assert "rules directory not found" in str(result.errors[0])


def test_load_rules_reads_nested_files_and_reports_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "terms").mkdir()
    (tmp_path / "terms" / "good.yaml").write_text(GOOD_RULE)
    (tmp_path / "broken.yaml").write_bytes(b"rules: [\xff\xfe]")
    result = load_rules(tmp_path)
    assert result.ruleset is None
    assert str(result.errors[0]).startswith(f"{tmp_path / 'broken.yaml'}:1: not UTF-8")


def test_policy_section_is_left_to_the_policy_layer() -> None:
    result = compile_files({"p.yaml": "policy:\n  anything: [1, 2]\n", "r.yaml": GOOD_RULE})
    assert result.ok


def test_json_schema_is_generated_and_forbids_unknown_keys() -> None:
    schema = RuleFile.model_json_schema(by_alias=True)
    json.dumps(schema)
    assert schema["additionalProperties"] is False
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert {"id", "category", "subcategory", "severity", "match", "nudge"} <= set(rule["required"])


def test_shipped_json_schema_matches_the_models() -> None:
    shipped = json.loads((Path(__file__).resolve().parents[2] / "rules/schema.json").read_text())
    generated = RuleFile.model_json_schema(by_alias=True)
    assert shipped["$defs"] == generated["$defs"], "run: upstander rules schema > rules/schema.json"
    assert shipped["properties"] == generated["properties"]


def test_the_rule_in_rules_readme_is_valid() -> None:
    readme = (Path(__file__).resolve().parents[2] / "rules/README.md").read_text()
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    sets = "termsets:\n  reporter_slurs: [grass, rat]\n  colleague_words: [he, she, dave]\n"
    result = compile_files({"example.yaml": sets + example})
    assert result.errors == ()
    assert result.ruleset is not None
    rule = result.ruleset.rules[0]
    for text in rule.flag_examples:
        assert rule.id in result.ruleset.evaluate(text).rule_ids
    for text in rule.pass_examples:
        assert rule.id not in result.ruleset.evaluate(text).rule_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "rules:\n  - id: a\n    match:\n      terms: [bar\n    nudge: z\n",
            "rules/x.yaml:4: YAML syntax: this '[' list is not closed "
            "(expected ',' or ']', but got ':' at line 5)",
            id="unclosed-list",
        ),
        pytest.param(
            "rules:\n  - id: a\n    nudge: 'never closed\n    more: 1\n",
            "rules/x.yaml:3: YAML syntax: this quoted text is not closed "
            "(found unexpected end of stream at line 5)",
            id="unclosed-quote",
        ),
        pytest.param(
            "rules:\n  - id: a\n    category harassment\n    severity: low\n",
            "rules/x.yaml:3: YAML syntax: this line has no ':' after its key "
            "(could not find expected ':' at line 4)",
            id="key-without-colon",
        ),
        pytest.param(
            "rules:\n  - id x\n    category: y\n",
            "rules/x.yaml:2: YAML syntax: a line without ':' after its key "
            "(mapping values are not allowed here at line 3)",
            id="key-without-colon-before-a-key",
        ),
        pytest.param(
            "rules:\n  - id: x\n    nudge: this: breaks\n",
            "rules/x.yaml:3: YAML syntax: mapping values are not allowed here: "
            "quote a value that holds ': '",
            id="colon-in-a-value",
        ),
    ],
)
def test_yaml_syntax_errors_point_at_the_line_to_fix(text: str, expected: str) -> None:
    assert _errors(text) == [expected]


def test_schema_and_pattern_errors_are_all_reported_in_one_run() -> None:
    text = """\
rules:
  - id: one.rule
    category: harassment
    severity: low
    match:
      terms: [muppet, "a{b"]
      regex:
        - 'fine'
        - '(unclosed'
    unless:
      regex: ['(?<=x)y']
    nudge: "This reads as an insult aimed at someone."
"""
    assert _errors(text) == [
        "rules/x.yaml:2: rule 1 (one.rule): 'subcategory' is required",
        "rules/x.yaml:6: unbalanced braces in term 'a{b'",
        "rules/x.yaml:9: regex '(unclosed': RE2 rejects the pattern: missing )",
        "rules/x.yaml:11: regex '(?<=x)y': RE2 rejects the pattern: invalid perl operator: (?<=",
    ]


def test_locations_count_rules_and_items_from_one() -> None:
    text = GOOD_RULE + GOOD_RULE.replace("rules:\n", "").replace("ok.rule", "two.rule").replace(
        "terms: [muppet]", "terms: [muppet, 7]"
    )
    (error,) = _errors(text)
    assert error.startswith("rules/x.yaml:14: rule 2 (two.rule), match.terms item 2: ")


def test_re2_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    _errors(GOOD_RULE.replace("terms: [muppet]", "regex: ['(unclosed']"))
    assert capfd.readouterr().err == ""
