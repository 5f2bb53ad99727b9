"""Who gets a check-in: the targets of a raised targeted-colleague or pile-on pattern. Pure."""

from __future__ import annotations

from bot.policy.events import Decision

CHECKIN_PATTERNS = frozenset({"targeted_colleague", "pile_on"})


def checkin_targets(decision: Decision) -> list[tuple[str, int]]:
    """(pattern, member) pairs to check in on, for escalations that alert a moderator now.

    A targeted-colleague case is about its target; a pile-on is about a channel, whose
    flagged messages may aim at someone. Nobody is checked in on as a target of their own
    messages, nor while they are among the case's offenders.
    """
    found: dict[tuple[str, int], None] = {}
    for esc in decision.escalations:
        if esc.pattern not in CHECKIN_PATTERNS or not esc.alert:
            continue
        if esc.pattern == "targeted_colleague":
            targets: tuple[int, ...] = (esc.subject_id,)
        else:
            targets = tuple(t for record in esc.evidence for t in record.targets)
        for target in targets:
            if target not in esc.offenders:
                found[(esc.pattern, target)] = None
    return list(found)
