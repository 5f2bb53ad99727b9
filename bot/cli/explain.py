"""`upstander check` output: a verdict as an admin trying phrases wants to read it."""

from __future__ import annotations

from pathlib import Path

from bot.engine import RuleSet, Suppressed, Verdict, labels
from bot.rules_location import describe

# What each context check's verdict means, in a sentence.
_REASONS = {
    "negated": 'negated: a "not", "never", "no"... denies it',
    "quoted-condemned": "quoted or reported, and the message condemns it",
    "counter-speech": 'said to reject it ("saying X is wrong")',
    "not-directed": "the rule counts only when aimed at someone (a mention, a reply, "
    '"you"), and this is not',
}


def rules_line(directory: Path, ruleset: RuleSet, cached: bool | None = None) -> str:
    """Which rules were used: the directory, its version and size (and whether from cache)."""
    origin = "" if cached is None else (", from cache" if cached else ", compiled")
    return f"rules: {describe(directory)}, version {ruleset.version}, {len(ruleset)} rules{origin}"


def highlight(text: str, verdict: Verdict) -> str:
    """The text with every flagged span wrapped in [[ ]]."""
    out, position = [], 0
    for start, end in verdict.spans:
        if start < position:
            continue
        out += [text[position:start], "[[", text[start:end], "]]"]
        position = end
    out.append(text[position:])
    return "".join(out)


def reason(item: Suppressed) -> str:
    """Why a hit did not count, as a sentence."""
    if item.reason.startswith("exception (") and item.reason.endswith(")"):
        return f"an exception of the rule overlaps it: {item.reason[len('exception (') : -1]}"
    return _REASONS.get(item.reason, item.reason)


def aim(verdict: Verdict) -> str | None:
    """Who the message is aimed at, in words; None when at nobody in particular."""
    addressee = verdict.addressee
    parts = [f"<@{user}> (mentioned)" for user in addressee.mentions]
    if addressee.reply_to is not None:
        parts.append(f"the author of message {addressee.reply_to} (a reply)")
    if addressee.second_person:
        parts.append('whoever it addresses ("you")')
    return ", ".join(parts) if parts else None


def render_check(text: str, verdict: Verdict) -> list[str]:
    """The lines `upstander check` prints for one message."""
    lines = []
    if not verdict.flagged:
        lines.append("not flagged")
    else:
        severity = verdict.severity.label if verdict.severity else ""
        lines.append(f"FLAGGED: {verdict.category}/{verdict.subcategory} ({severity})")
        what = labels.plain(verdict.category, verdict.subcategory)
        if what:
            lines.append(f"  what: {what}")
        lines.append(f"  {highlight(text, verdict)}")
        for hit in verdict.hits:
            lines.append(
                f"  - {hit.rule_id} [{hit.start}:{hit.end}] {hit.text!r} "
                f"{hit.category}/{hit.subcategory} {hit.severity.label}"
            )
            if hit.why:  # a composed hit, in one line: who, what is said, which phenomenon
                lines.append(f"      {hit.why}")
        lines.append(f"  why: {verdict.explanation}")
    shown = set()
    for item in verdict.suppressed:
        # Two clauses of one rule can cancel the same words for the same reason: say it once.
        key = (item.hit.rule_id, item.hit.start, item.hit.end, item.reason)
        if key not in shown:
            shown.add(key)
            lines.append(f"  (not counted: {item.hit.rule_id} {item.hit.text!r}: {reason(item)})")
    target = aim(verdict)
    if target and (verdict.flagged or verdict.suppressed):
        lines.append(f"  aimed at: {target}")
    return lines
