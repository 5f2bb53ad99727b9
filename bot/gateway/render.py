"""How decisions look on Discord: the nudge DM, alert embeds, short replies. No I/O here."""

from __future__ import annotations

import discord

from bot.services.cases import CaseView
from bot.services.checkins import CheckinPlan
from bot.services.members import Stats
from bot.services.records import Case, MemberHistory, Report
from bot.services.types import AlertPlan, EvidenceLine, NudgePlan

PATTERN_TITLES = {
    "critical": "Immediate: serious message",
    "retaliation": "Retaliation against a reporter",
    "repeat_sender": "Repeat sender",
    "pile_on": "Pile-on in a channel",
    "targeted_colleague": "A colleague is being targeted",
    "appeal": "A member appeals a nudge",
}
NO_MENTIONS = discord.AllowedMentions.none()


def quote(text: str, limit: int = 200) -> str:
    """Member text made safe to show: no markdown tricks, no pings, bounded length."""
    clean = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def nudge_text(plan: NudgePlan) -> str:
    """The private nudge: channel, the flagged words, the reason and the policy."""
    words = ", ".join(f"“{quote(q, 80)}”" for q in plan.quotes) or "(blocked by AutoMod)"
    reasons = " ".join(plan.reasons)
    return (
        f"Hi, a private note from Upstander about your message in <#{plan.channel_id}> "
        f"({plan.link}).\n"
        f"**Flagged words:** {words}\n"
        f"**Why:** {reasons}\n"
        f"**Policy:** {plan.what + ' — ' if plan.what else ''}{plan.category} ({plan.severity}); "
        f"rule {', '.join(plan.rule_ids)}.\n"
        "Only you can see this note. If you think it is a mistake, press the button below "
        "and a moderator will take a look."
    )


def channel_notice(member_id: int, status: str = "dms_closed") -> str:
    """Posted in the channel when the nudge DM did not arrive: names the member, never the content.

    Only closed (or refused) DMs are the member's to fix; a Discord failure is not.
    """
    if status in ("dms_closed", "blocked"):
        return (
            f"<@{member_id}>, I have a private note for you about a recent message, but your DMs "
            "are closed. Please allow direct messages from this server's members."
        )
    return (
        f"<@{member_id}>, I have a private note for you about a recent message, but Discord did "
        "not deliver it by direct message. A moderator knows and can pass it on."
    )


def undelivered_reason(status: str | None, detail: str | None) -> str:
    """Why the sender was not told privately, for moderators: closed DMs are not a failure."""
    why = f" ({quote(detail, 200)})" if detail else ""
    if status == "dms_closed":
        return "The sender's DMs are closed: they have not been told privately."
    if status == "blocked":
        return f"Discord refused the DM{why}: the sender has not been told privately."
    return f"The nudge could not be delivered{why}: the sender has not been told privately."


def _timeline(lines: tuple[EvidenceLine, ...]) -> str:
    out = []
    for line in lines:
        words = ", ".join(f"“{quote(q, 60)}”" for q in line.quotes)
        gone = " (deleted)" if line.deleted else ""
        kind = "" if line.kind == "message" else f" [{line.kind}]"
        out.append(
            f"<t:{int(line.at.timestamp())}:f> <@{line.author_id}> in <#{line.channel_id}> "
            f"{line.severity} {'/'.join(line.categories)}{kind} {words} [link]({line.link}){gone}"
        )
    text = "\n".join(out)
    return text if len(text) <= 1024 else text[:1020] + " …"


def alert_embed(plan: AlertPlan) -> discord.Embed:
    """The alert: pattern, summary, counts, offenders, and the evidence timeline."""
    title = PATTERN_TITLES.get(plan.pattern, plan.pattern)
    verb = "New case" if plan.new_case else "Case update"
    embed = discord.Embed(
        title=f"{verb} #{plan.case_id}: {title}",
        description=plan.summary,
        colour=discord.Colour.red() if plan.pattern in ("critical", "retaliation") else None,
    )
    subject = f"<#{plan.subject_id}>" if plan.subject_kind == "channel" else f"<@{plan.subject_id}>"
    embed.add_field(name="Subject", value=subject)
    embed.add_field(name="Incidents", value=str(plan.incident_count))
    embed.add_field(name="Offenders", value=" ".join(f"<@{o}>" for o in plan.offenders) or "-")
    if plan.evidence:
        embed.add_field(name="Timeline", value=_timeline(plan.evidence), inline=False)
    if plan.nudge_undelivered:
        embed.add_field(
            name="Nudge not delivered",
            value=undelivered_reason(plan.nudge_status, plan.nudge_detail),
            inline=False,
        )
    if plan.route == "reviewer":
        embed.set_footer(text="Sent to you as independent reviewer: a moderator is involved.")
    return embed


def report_received(watch_days: float) -> str:
    """The reporter's private acknowledgement: received, who will know, and what happens next."""
    days = f"{watch_days:g} days" if watch_days != 1 else "1 day"
    return (
        "Thank you: your report was received and went privately to the moderators. Only the "
        "designated moderator will know it was you, and the member will not be told who "
        "reported them.\n"
        "**What happens next:** a moderator reviews the message and decides what to do. For the "
        f"next {days}, a hostile message from that member aimed at you goes to a moderator at "
        "once, and so does any message that threatens people for reporting, whoever writes it. "
        "If something happens because you reported, report that message the same way."
    )


def report_embed(report: Report, reporter_id: int | None) -> discord.Embed:
    """A member's report; the reporter is named only in the designated moderator's copy."""
    embed = discord.Embed(title=f"Report #{report.id}", description=quote(report.text or "", 500))
    embed.add_field(name="Reported member", value=f"<@{report.reported_id}>")
    embed.add_field(name="Message", value=f"[link]({report.link})")
    if report.reason:
        embed.add_field(name="Reason", value=quote(report.reason, 500), inline=False)
    who = f"<@{reporter_id}> (keep this private)" if reporter_id else "hidden"
    embed.add_field(name="Reporter", value=who, inline=False)
    embed.set_footer(text="The reported member is now watched for retaliation.")
    return embed


def case_line(case: Case) -> str:
    """One line per case for `/upstander cases`."""
    subject = f"<#{case.subject_id}>" if case.pattern == "pile_on" else f"<@{case.subject_id}>"
    state = f"resolved ({case.outcome})" if case.outcome else case.state
    return (
        f"#{case.id} {case.pattern} {subject} {state}"
        f" since <t:{int(case.opened_at.timestamp())}:d>, {len(case.incident_ids)} incident(s)"
    )


def case_text(view: CaseView) -> str:
    """The full case for `/upstander case`."""
    case = view.case
    head = case_line(case)
    if case.outcome:
        head += f", resolved as {case.outcome} by <@{case.resolved_by}>"
    lines = [head]
    for incident in view.incidents:
        words = ", ".join(f"“{quote(q, 60)}”" for q in view.quotes(incident)) or "(text erased)"
        lines.append(
            f"• <t:{int(incident.created_at.timestamp())}:f> <#{incident.channel_id}> "
            f"{incident.severity} {incident.category} {words} [link]({incident.link})"
        )
    lines.extend(f"• note by <@{n.author_id}>: {quote(n.text or '(erased)')}" for n in case.notes)
    return _cap("\n".join(lines))


def history_text(history: MemberHistory) -> str:
    """A member's record for `/upstander history`."""
    member = history.member_id
    closed = sum(1 for n in history.nudges if n.status != "delivered")
    lines = [
        f"<@{member}>: {len(history.incidents)} incident(s), {len(history.nudges)} nudge(s)"
        f" ({closed} not delivered), {len(history.cases)} case(s), "
        f"{len(history.reports_against)} report(s) against, {len(history.notes)} note(s)."
    ]
    for incident in history.incidents[-10:]:
        lines.append(
            f"• <t:{int(incident.created_at.timestamp())}:d> {incident.severity} "
            f"{incident.category} in <#{incident.channel_id}> [link]({incident.link})"
            + (" (deleted)" if incident.deleted_at else "")
        )
    lines.extend(f"• {c.pattern} case #{c.id}: {c.state}" for c in history.cases[-5:])
    lines.extend(
        f"• {n.kind} by <@{n.author_id}>: {quote(n.text or '(erased)')}" for n in history.notes[-5:]
    )
    return _cap("\n".join(lines))


def stats_text(stats: Stats) -> str:
    """Per category, per channel, and the trend, for `/upstander stats`."""
    if not stats.total:
        return f"No incidents in the last {stats.days} day(s)."
    cats = ", ".join(f"{name} {count}" for name, count in stats.by_category)
    chans = ", ".join(f"<#{cid}> {count}" for cid, count in stats.by_channel[:10])
    return (
        f"{stats.total} incident(s) in the last {stats.days} day(s).\n"
        f"By category: {cats}\nBy channel: {chans}\n"
        f"Trend: {stats.trend} ({stats.earlier_half} in the first half, "
        f"{stats.later_half} in the second)."
    )


def _cap(text: str, limit: int = 1900) -> str:
    return text if len(text) <= limit else text[: limit - 2] + " …"


def checkin_text(plan: CheckinPlan) -> str:
    """The check-in: kind, private, how to report and who to talk to; nothing about senders."""
    who = (
        f"<@{plan.moderator_user_id}>, the designated moderator,"
        if plan.moderator_user_id is not None
        else "the moderators"
    )
    return (
        "Hi, this is Upstander, the server's moderation bot, checking in privately. Some "
        "recent messages aimed at you were flagged, and the moderators already know; you "
        "do not need to do anything.\n"
        f"If you want to talk it through or add something, {who} is there for you. To "
        "report a message privately: right-click it (or long-press) → Apps → "
        "**Report to moderators**. Only the designated moderator sees who reported, and the "
        "bot watches for retaliation.\n"
        "You will not get this message more than once a week. Take care."
    )
