"""A threat against someone who reported raises the urgent case at once, whoever sends it: not
only the reported member towards the reporter (the watch), but anyone, with no report on file."""

from __future__ import annotations

from policy_builders import CHANNEL, MODERATOR, Runner, at, hit, msg, patterns, report

from bot.engine.verdict import Hit

ALICE, BOB, CAROL = 11, 12, 13


def _reporter_threat() -> Hit:
    return hit("critical", "retaliation", rule="ret.reporter_threat", subcategory="threat")


def test_a_reporter_threat_from_a_member_nobody_reported_alerts_at_once() -> None:
    decision = Runner().feed(msg(1, CAROL, at(), _reporter_threat()))
    (esc,) = decision.escalations
    assert (esc.pattern, esc.subject_id, esc.new_case, esc.alert) == ("critical", CAROL, True, True)
    assert esc.route.user_id == MODERATOR
    assert [r.message_id for r in esc.evidence] == [1]
    assert esc.summary == (
        f"Immediate: <@{CAROL}> — threat against someone who reported "
        f"(retaliation/threat, critical) in <#{CHANNEL}>."
    )
    assert decision.nudge is not None and decision.nudge.severity.label == "critical"


def test_a_third_member_threatening_after_a_report_is_alerted_on_that_message() -> None:
    runner = Runner()
    runner.feed(report(500, ALICE, BOB, at()))  # Alice reported Bob's message
    decision = runner.feed(msg(2, CAROL, at(minutes=5), _reporter_threat()))
    assert patterns(decision) == ["critical"]
    assert decision.escalations[0].alert


def test_a_threat_that_is_also_violence_is_named_as_retaliation() -> None:
    violence = hit("critical", "violence", rule="viol.threat_direct", subcategory="threat")
    decision = Runner().feed(msg(1, CAROL, at(), violence, _reporter_threat()))
    assert "threat against someone who reported" in decision.escalations[0].summary
    assert decision.nudge is not None and decision.nudge.category == "retaliation"
