"""A month of a team's chat through the real engine and the shipped policy.

Hundreds of ordinary messages (builds, meetings, lunch), generated from a fixed seed, with a handful
of offenders woven in: a repeat sender who targets one colleague, a report followed by retaliation,
a sexist remark and its repeat, one threat, and a moderator who bullies. The test asserts exactly
which nudges and escalations result, and that ordinary members get none.

The engine runs on a small rule file written for this scenario (so the outcome does not move when
the shipped word lists grow); the policy is the shipped `rules/policy.yaml`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine import EvalContext, RuleSet, load_rules
from bot.policy import (
    Decision,
    PolicyConfig,
    PolicyEvent,
    PolicyState,
    Routing,
    case_key,
    decide,
    load_policy,
    resolve_case,
)
from bot.policy.authority import is_moderator_id

RULES = Path(__file__).resolve().parents[2] / "rules"
START = datetime(2024, 3, 4, tzinfo=UTC)  # Monday
GUILD, DEV, RANDOM = 1, 100, 200

ORDINARY = {
    "ana": 1, "ben": 2, "chloe": 3, "dev": 4, "eli": 5, "fay": 6, "hugo": 7, "iris": 8,
    "jon": 9, "kai": 10, "lena": 11, "maya": 31, "priya": 32, "morgan": 900,
}  # fmt: skip
OFFENDERS = {"rick": 21, "tom": 22, "gary": 23, "vic": 24, "ola": 910}
MEMBERS = {**ORDINARY, **OFFENDERS}
NAMES = {v: k for k, v in MEMBERS.items()}
MORGAN, OLA, REVIEWER = 900, 910, 950
ROUTING = Routing(
    moderator_user_id=MORGAN,
    moderator_channel_id=901,
    reviewer_user_id=REVIEWER,
    moderator_ids=frozenset({MORGAN, OLA}),
)

SCENARIO_RULES = """\
rules:
  - id: scenario.insult
    category: harassment
    subcategory: insult
    severity: low
    match: {terms: ["clown", "muppet"]}
    nudge: "Name-calling a colleague lands harder than it sounds; keep it about the work."
  - id: scenario.snitch
    category: harassment
    subcategory: intimidation
    severity: low
    match: {terms: ["snitch"]}
    nudge: "Calling someone a snitch for raising a concern discourages people from speaking up."
  - id: scenario.bullying
    category: harassment
    subcategory: bullying
    severity: medium
    match: {terms: ["useless idiot", "pathetic loser"]}
    nudge: "That is a personal attack on a colleague; raise work problems without insults."
  - id: scenario.sexism
    category: discrimination
    subcategory: sexism
    severity: high
    match: {terms: ["women can't code", "belongs in the kitchen"]}
    nudge: "Remarks that demean people for their gender have no place here."
  - id: scenario.threat
    category: violence
    subcategory: threat
    severity: critical
    match: {terms: ["break your legs"]}
    nudge: "Threatening violence against a colleague is never acceptable, even as a joke."
"""

# --- the ordinary month -------------------------------------------------------------------------

TEMPLATES = [
    "build {n} is green again, thanks {name}",
    "CI is flaky on the {svc} job, rerunning",
    "who broke the {svc} build? nevermind, it was me, fixing",
    "standup in 5 min",
    "can we move the {svc} sync to {hour}pm?",
    "retro notes are in the wiki",
    "{name} can you review my PR for {svc}?",
    "merged, deploying {svc} to staging",
    "staging looks good, promoting to prod after lunch",
    "lunch? thinking {food}",
    "anyone up for {food} today?",
    "I'm in for {food}",
    "coffee run, anyone want anything?",
    "sprint planning moved to Thursday",
    "the {svc} dashboard is slow again",
    "on call this week is {name}",
    "thanks {name}, that fix saved my afternoon",
    "ooo tomorrow, dentist",
    "new ticket for the {svc} timeout, picking it up",
    "release notes draft is up, comments welcome",
    "did anyone get the invite for the all-hands?",
    "pairing on the {svc} migration after standup",
    "nice catch on the off-by-one, {name}",
    "tests pass locally but not on CI, classic",
    "rolling back {svc}, error rate went up",
    "rollback done, error rate back to normal",
    "happy friday all",
    "good morning!",
    "heading out, see you tomorrow",
    "the coffee machine on floor 2 is fixed",
]
SERVICES = ["billing", "auth", "search", "payments", "reports", "api", "frontend", "ingest"]
FOODS = ["tacos", "ramen", "the salad place", "pizza", "curry", "sushi", "falafel"]

# Ordinary members also stand up for colleagues; the engine sees through quoting and condemning.
UPSTANDERS = [
    (1, 11, "ana", "calling Maya a clown is not ok, she fixed the build in ten minutes"),
    (4, 15, "lena", "saying women can't code is wrong, and Fay wrote half of billing"),
    (9, 15, "ben", 'Vic said "break your legs" to me and that is not acceptable'),
]


@dataclass(frozen=True)
class Line:
    """One message in the timeline."""

    at: datetime
    channel: int
    author: str
    text: str
    mentions: tuple[str, ...] = ()
    reply_to: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Report:
    """A member reports a labelled message."""

    at: datetime
    reporter: str
    label: str


@dataclass(frozen=True)
class Resolve:
    """The moderator resolves a case."""

    at: datetime
    key: str


def when(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the month."""
    return START + timedelta(days=day, hours=hour, minutes=minute)


def ordinary_month(seed: int = 2024) -> list[Line]:
    """A deterministic month of everyday team chat from everyone, offenders included."""
    rng = random.Random(seed)
    speakers = sorted(MEMBERS)
    lines: list[Line] = []
    for day in range(30):
        weekend = (START + timedelta(days=day)).weekday() >= 5
        for _ in range(rng.randint(1, 4) if weekend else rng.randint(20, 30)):
            author = rng.choice(speakers)
            other = rng.choice([s for s in speakers if s != author])
            text = rng.choice(TEMPLATES).format(
                n=rng.randint(1000, 9999),
                name=other.capitalize(),
                svc=rng.choice(SERVICES),
                hour=rng.randint(1, 5),
                food=rng.choice(FOODS),
            )
            reply = other if rng.random() < 0.2 else None
            mentions = (other,) if rng.random() < 0.1 else ()
            at = when(day, rng.randint(8, 17), rng.randint(0, 59))
            lines.append(Line(at, rng.choice((DEV, DEV, RANDOM)), author, text, mentions, reply))
    for day, hour, author, text in UPSTANDERS:
        lines.append(Line(when(day, hour), DEV, author, text))
    return lines


# --- what the offenders do ----------------------------------------------------------------------

OFFENCES = [
    Line(when(1, 10, 15), DEV, "rick", "Maya, that migration was written by a useless idiot", label="rick-1"),  # noqa: E501
    Line(when(2, 11), DEV, "tom", "lol Maya you clown", label="tom-1"),
    Line(when(3, 14, 30), DEV, "rick", "only a pathetic loser breaks main twice", reply_to="maya", label="rick-2"),  # noqa: E501
    Line(when(4, 9, 40), DEV, "gary", "honestly women can't code, hire more guys", label="gary-1"),
    Line(when(5, 16, 20), DEV, "rick", "nice one, snitch", reply_to="priya", label="rick-3"),
    Line(when(6, 10, 5), DEV, "rick", "sure, whatever you say, clown", reply_to="maya", label="rick-4"),  # noqa: E501
    Line(when(9, 13, 5), RANDOM, "vic", "touch my branch again and I will break your legs", reply_to="ben", label="vic-1"),  # noqa: E501
    Line(when(10, 11, 11), DEV, "ola", "are you a useless idiot or what", reply_to="dev", label="ola-1"),  # noqa: E501
    Line(when(13, 10, 30), RANDOM, "ola", "stop being a pathetic loser", mentions=("dev",), label="ola-2"),  # noqa: E501
    Line(when(17, 15), DEV, "gary", "she belongs in the kitchen, not in code review", label="gary-2"),  # noqa: E501
    Line(when(20, 9, 30), DEV, "rick", "what a clown show this standup is", label="rick-5"),
    Line(when(24, 14), RANDOM, "tom", "Chloe you muppet, the lunch order was tacos", label="tom-2"),
]  # fmt: skip
ACTIONS: list[Report | Resolve] = [
    Report(when(3, 14, 31), "priya", "rick-2"),
    Resolve(when(12, 9), case_key("repeat_sender", "member", OFFENDERS["rick"])),
    Resolve(when(12, 9), case_key("pile_on", "channel", DEV)),
]

# label -> escalations as (pattern, subject, new case, alert now, routed to)
EXPECTED_ESCALATIONS = {
    # Second personal attack within days: a repeat sender, and Maya now the target of three.
    "rick-2": [
        ("repeat_sender", "rick", True, True, "moderator"),
        ("targeted_colleague", "maya", True, True, "moderator"),
    ],
    # Third member flagged in #dev within a week: the channel's culture, not one person.
    "gary-1": [("pile_on", "#dev", True, True, "moderator")],
    # Rick answers the colleague who reported him: retaliation, at once; open cases grow quietly.
    "rick-3": [
        ("retaliation", "rick", True, True, "moderator"),
        ("repeat_sender", "rick", False, False, "moderator"),
        ("pile_on", "#dev", False, False, "moderator"),
    ],
    "rick-4": [
        ("repeat_sender", "rick", False, False, "moderator"),
        ("pile_on", "#dev", False, False, "moderator"),
        ("targeted_colleague", "maya", False, False, "moderator"),
    ],
    "vic-1": [("critical", "vic", True, True, "moderator")],
    # A moderator joins the pile-on: the case now goes to the independent reviewer.
    "ola-1": [("pile_on", "#dev", False, False, "reviewer")],
    "ola-2": [("repeat_sender", "ola", True, True, "reviewer")],
    # A second high-severity remark within 30 days.
    "gary-2": [("repeat_sender", "gary", True, True, "moderator")],
    # rick-5 and tom-2 earn nudges only: Rick's case was resolved, Tom's hits are far apart.
}
EXPECTED_NUDGES = [
    ("rick-1", "rick"),
    ("tom-1", "tom"),
    ("rick-2", "rick"),
    ("gary-1", "gary"),
    ("rick-3", "rick"),
    ("rick-4", "rick"),
    ("vic-1", "vic"),
    ("ola-1", "ola"),
    ("ola-2", "ola"),
    ("gary-2", "gary"),
    ("rick-5", "rick"),
    ("tom-2", "tom"),
]


@dataclass
class Month:
    """The played-out month: every decision, labelled where the script labelled the message."""

    decisions: list[tuple[Line | Report | Resolve, int, Decision | None]]
    labels: dict[str, int]
    state: PolicyState


def play(ruleset: RuleSet, config: PolicyConfig) -> Month:
    """Run the whole timeline through engine and policy, in time order."""
    timeline: list[Line | Report | Resolve] = [*ordinary_month(), *OFFENCES, *ACTIONS]
    timeline.sort(key=lambda item: (item.at, isinstance(item, Resolve)))
    names = dict(MEMBERS)
    state = PolicyState()
    labels: dict[str, int] = {}
    authors: dict[str, int] = {}
    out: list[tuple[Line | Report | Resolve, int, Decision | None]] = []
    for message_id, item in enumerate(timeline, start=10_000):
        if isinstance(item, Resolve):
            state = resolve_case(state, item.key, item.at)
            out.append((item, message_id, None))
            continue
        if isinstance(item, Report):
            reported = labels[item.label]
            event = PolicyEvent.report(
                message_id=reported,
                guild_id=GUILD,
                channel_id=DEV,
                reporter_id=MEMBERS[item.reporter],
                reported_id=authors[item.label],
                at=item.at,
            )
        else:
            if item.label:
                labels[item.label] = message_id
                authors[item.label] = MEMBERS[item.author]
            context = EvalContext(
                mentions=tuple(MEMBERS[m] for m in item.mentions),
                reply_to=MEMBERS[item.reply_to] if item.reply_to else None,
                member_names=names,
            )
            author = MEMBERS[item.author]
            event = PolicyEvent.from_verdict(
                message_id=message_id,
                guild_id=GUILD,
                channel_id=item.channel,
                author_id=author,
                at=item.at,
                verdict=ruleset.evaluate(item.text, context),
                author_is_moderator=is_moderator_id(author, ROUTING),
            )
        state, decision = decide(state, event, config, item.at, routing=ROUTING)
        out.append((item, message_id, decision))
    return Month(out, labels, state)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    rules_dir = tmp_path_factory.mktemp("rules")
    (rules_dir / "scenario.yaml").write_text(SCENARIO_RULES, encoding="utf-8")
    loaded = load_rules(rules_dir)
    assert loaded.errors == () and loaded.ruleset is not None
    policy = load_policy(RULES)
    assert policy.errors == [] and policy.config is not None
    return play(loaded.ruleset, policy.config)


def _subject(kind: str, subject_id: int) -> str:
    return {DEV: "#dev", RANDOM: "#random"}[subject_id] if kind == "channel" else NAMES[subject_id]


def _label(month: Month, message_id: int) -> str:
    return next((label for label, mid in month.labels.items() if mid == message_id), "?")


def test_the_month_is_hundreds_of_ordinary_messages() -> None:
    ordinary = ordinary_month()
    assert len(ordinary) >= 500
    assert ordinary == ordinary_month(), "the month is generated deterministically"


def test_exactly_the_expected_nudges(month: Month) -> None:
    nudged = [
        (_label(month, mid), NAMES[d.nudge.member_id])
        for _, mid, d in month.decisions
        if d is not None and d.nudge is not None
    ]
    assert nudged == EXPECTED_NUDGES


def test_exactly_the_expected_escalations(month: Month) -> None:
    escalated = {
        _label(month, mid): [
            (e.pattern, _subject(e.subject_kind, e.subject_id), e.new_case, e.alert, e.route.to)
            for e in d.escalations
        ]
        for _, mid, d in month.decisions
        if d is not None and d.escalations
    }
    assert escalated == EXPECTED_ESCALATIONS


def test_ordinary_members_get_nothing(month: Month) -> None:
    for item, _, decision in month.decisions:
        if isinstance(item, Line) and item.label is None:
            assert decision is not None and not decision.acted, item
    offenders = {o for _, _, d in month.decisions if d for e in d.escalations for o in e.offenders}
    assert offenders == {MEMBERS[n] for n in ("rick", "tom", "gary", "vic", "ola")}


def test_the_targeted_colleague_case_carries_its_evidence(month: Month) -> None:
    case = month.state.cases[case_key("targeted_colleague", "member", MEMBERS["maya"])]
    labels = [_label(month, r.message_id) for r in case.evidence]
    assert labels == ["rick-1", "tom-1", "rick-2", "rick-4"]
    assert case.offenders == (MEMBERS["rick"], MEMBERS["tom"])
    assert all(
        r.link.startswith(f"https://discord.com/channels/{GUILD}/{DEV}/") for r in case.evidence
    )


def test_the_retaliation_alert_names_the_report_but_not_the_reporter(month: Month) -> None:
    # The summary is kept in the audit chain, which every moderator can export: the reporter
    # is never in it. The designated moderator knows them from the report itself.
    (esc,) = [
        e for _, _, d in month.decisions if d for e in d.escalations if e.pattern == "retaliation"
    ]
    assert str(MEMBERS["priya"]) not in esc.summary
    assert esc.route.channel_id is None  # to the designated moderator alone
    assert str(month.labels["rick-2"]) in esc.summary
    assert [_label(month, r.message_id) for r in esc.evidence] == ["rick-3"]


def test_the_month_state_survives_a_restart(month: Month) -> None:
    restored = PolicyState.from_json(json.loads(json.dumps(month.state.to_json())))
    assert restored == month.state
