"""The pure escalation policy: verdicts over time in, nudges and escalations out.

Imports neither discord nor aiosqlite nor the store; the clock is always passed in.

    from bot.policy import PolicyState, PolicyEvent, Routing, decide, load_policy
    config = load_policy(Path("rules")).config          # None if invalid: keep the last good one
    state, decision = decide(state, event, config, now, routing=routing)
    decision.nudge, decision.escalations                 # send them
    changes = persist.diff(old_state, state)             # the few items to store (rows)
    state = resolve_case(state, case_key, now)           # when a moderator resolves a case
"""

from bot.policy.authority import Actor, Routes, Routing
from bot.policy.config import PolicyConfig
from bot.policy.escalation import decide, resolve_case
from bot.policy.events import Decision, Escalation, Nudge, PolicyEvent, Route
from bot.policy.loader import PolicyLoadResult, load_policy, parse_policy
from bot.policy.state import Case, HitRecord, Offence, PolicyState, Watch, case_key

__all__ = [
    "Actor",
    "Case",
    "Decision",
    "Escalation",
    "HitRecord",
    "Nudge",
    "Offence",
    "PolicyConfig",
    "PolicyEvent",
    "PolicyLoadResult",
    "PolicyState",
    "Route",
    "Routes",
    "Routing",
    "Watch",
    "case_key",
    "decide",
    "load_policy",
    "parse_policy",
    "resolve_case",
]
