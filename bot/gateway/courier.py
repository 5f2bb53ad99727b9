"""Sends what the services decided: the nudge DM, alerts, report copies, notices."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.gateway import render
from bot.gateway.views import alert_view, nudge_view
from bot.services.checkins import CheckinPlan
from bot.services.records import NudgeStatus
from bot.services.reports import ReportOutcome
from bot.services.types import AlertPlan, NudgePlan, Outcome

if TYPE_CHECKING:
    from bot.gateway.client import UpstanderBot

log = logging.getLogger(__name__)

DMS_CLOSED = 50007  # Discord: "Cannot send messages to this user"
NOTICE_SECONDS = 120.0
# discord.py retries 429s and 5xx itself (5xx for ~25 s); past this a nudge counts as failed,
# so a hung DM can never hold back the alert that follows it.
DM_TIMEOUT_SECONDS = 30.0


class Courier:
    """Delivers outcomes; every delivery result is recorded, nothing raises into handlers."""

    def __init__(self, bot: UpstanderBot) -> None:
        """Deliver through `bot`."""
        self.bot = bot
        self.dm_timeout = DM_TIMEOUT_SECONDS

    async def deliver(self, outcome: Outcome) -> None:
        """Nudge first, so that alerts can say whether the sender was told."""
        nudge = outcome.nudge
        if nudge is not None:
            status, detail = await self.nudge(nudge)
            if status != "delivered":
                outcome = outcome.with_nudge_undelivered(status, detail)
                if self.bot.settings.channel_notice_when_dm_closed:
                    await self.notice(nudge, status)
        for alert in outcome.alerts:
            await self.alert(alert)
        for checkin in outcome.checkins:
            await self.checkin(checkin)

    async def checkin(self, plan: CheckinPlan) -> None:
        """The kind private message to a targeted colleague; its delivery is recorded."""
        status = "failed"
        try:
            channel = await self.bot.create_dm(discord.Object(id=plan.member_id))
            await asyncio.wait_for(
                channel.send(render.checkin_text(plan), allowed_mentions=render.NO_MENTIONS),
                timeout=self.dm_timeout,
            )
            status = "delivered"
        except discord.Forbidden as exc:
            status = "dms_closed" if exc.code == DMS_CLOSED else "blocked"
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError):
            log.info("check-in %s not delivered", plan.checkin_id, exc_info=True)
        await self.bot.services.checkins.result(plan.checkin_id, status, self.bot.clock())

    async def _user(self, user_id: int) -> discord.User | None:
        user = self.bot.get_user(user_id)
        if user is not None:
            return user
        try:
            return await self.bot.fetch_user(user_id)
        except discord.HTTPException:
            log.warning("user %s not found", user_id)
            return None

    async def _send_nudge(self, plan: NudgePlan) -> None:
        # The DM channel is opened by id: fetching the user first would cost a REST call more.
        user = self.bot.get_user(plan.member_id)
        channel = user.dm_channel if user is not None else None
        if channel is None:
            channel = await self.bot.create_dm(user or discord.Object(id=plan.member_id))
        with _discarded(nudge_view(plan.incident_id)) as view:
            await channel.send(
                render.nudge_text(plan), view=view, allowed_mentions=render.NO_MENTIONS
            )

    async def _channel(self, channel_id: int) -> discord.abc.Messageable | None:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.abc.Messageable):
            return channel
        log.error("channel %s not found or not a text channel", channel_id)
        return None

    async def nudge(self, plan: NudgePlan) -> tuple[NudgeStatus, str | None]:
        """DM the sender; record and return (delivered / dms_closed / blocked / failed, why)."""
        status: NudgeStatus = "failed"
        detail: str | None = None
        try:
            await asyncio.wait_for(self._send_nudge(plan), timeout=self.dm_timeout)
            status = "delivered"
        except discord.Forbidden as exc:
            status = "dms_closed" if exc.code == DMS_CLOSED else "blocked"
            detail = f"{exc.code}: {exc.text}"
        except discord.HTTPException as exc:
            detail = f"{exc.status}/{exc.code}: {exc.text}"
        except TimeoutError:
            # It may still arrive; not retried, so that a member never gets it twice.
            detail = f"no answer from Discord within {self.dm_timeout:g}s"
        except (aiohttp.ClientError, OSError) as exc:
            detail = f"connection error: {type(exc).__name__}"
        await self.bot.services.moderation.nudge_result(plan.nudge_id, status, detail)
        if status != "delivered":
            log.info("nudge %s not delivered: %s %s", plan.nudge_id, status, detail)
        return status, detail

    async def notice(self, plan: NudgePlan, status: NudgeStatus = "dms_closed") -> None:
        """A short channel notice that names the member, not the content, and deletes itself."""
        channel = await self._channel(plan.channel_id)
        if channel is None:
            return
        try:
            await channel.send(
                render.channel_notice(plan.member_id, status),
                delete_after=NOTICE_SECONDS,
                allowed_mentions=discord.AllowedMentions(users=True, everyone=False, roles=False),
            )
        except discord.HTTPException:
            log.warning("could not post the closed-DMs notice in %s", plan.channel_id)

    async def alert(self, plan: AlertPlan) -> None:
        """Send the alert to the routed user (DM) and/or the moderators' channel."""
        if not plan.deliverable:
            return  # already logged loudly by the services; never send to the wrong person
        embed = render.alert_embed(plan)
        content = f"Case #{plan.case_id}: {render.PATTERN_TITLES.get(plan.pattern, plan.pattern)}"
        targets: list[discord.abc.Messageable] = []
        if plan.to_user_id is not None:
            user = await self._user(plan.to_user_id)
            if user is not None:
                targets.append(user)
        if plan.to_channel_id is not None:
            channel = await self._channel(plan.to_channel_id)
            if channel is not None:
                targets.append(channel)
        for target in targets:
            try:
                with _discarded(alert_view(plan.case_id)) as view:
                    await target.send(
                        content, embed=embed, view=view, allowed_mentions=render.NO_MENTIONS
                    )
            except discord.HTTPException:
                log.exception("could not deliver the alert for case %s", plan.case_id)

    async def report(self, filed: ReportOutcome) -> None:
        """The report to the channel (no reporter) and to the designated moderator (named)."""
        report = filed.report
        if report is None:
            return
        if filed.to_channel_id is not None:
            channel = await self._channel(filed.to_channel_id)
            if channel is not None:
                await channel.send(
                    embed=render.report_embed(report, None), allowed_mentions=render.NO_MENTIONS
                )
        if filed.to_user_id is not None:
            full = await self.bot.services.reports.reveal(report.id, filed.to_user_id)
            user = await self._user(filed.to_user_id)
            if user is not None:
                try:
                    await user.send(
                        embed=render.report_embed(full, full.reporter_id),
                        allowed_mentions=render.NO_MENTIONS,
                    )
                except discord.HTTPException:
                    log.exception("could not DM report %s to the moderator", report.id)

    async def claim(
        self,
        incident_id: int,
        link: str,
        member_id: int,
        guild_id: int,
        case_id: int | None = None,
        *,
        to_reviewer: bool = False,
    ) -> None:
        """Tell the moderators of the incident's server that a member disputes a nudge.

        With the appeal's case, its buttons come along; a moderator's appeal (`to_reviewer`)
        goes to the server's reviewer alone, never to the moderators' channel.
        """
        text = (
            f"<@{member_id}> thinks the nudge for incident #{incident_id} was a mistake "
            f"([message]({link})). Review it with `/upstander history`."
        )
        if case_id is None:
            await self.moderators(text, guild_id)
            return
        text = (
            f"Appeal, case #{case_id}: {text} *Resolve: false positive* upholds it (the member "
            "is told, and you can add the message as a must-pass rule example); *no action* "
            "keeps the nudge (the member is told that too)."
        )
        with _discarded(alert_view(case_id)) as view:
            if to_reviewer:
                await self.reviewer(text, guild_id, view=view)
            else:
                await self.moderators(text, guild_id, view=view)

    async def tell(self, member_id: int, text: str) -> bool:
        """A private message to a member (an appeal's outcome); True if it arrived."""
        try:
            channel = await self.bot.create_dm(discord.Object(id=member_id))
            await asyncio.wait_for(
                channel.send(text, allowed_mentions=render.NO_MENTIONS), timeout=self.dm_timeout
            )
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError):
            log.info("could not DM member %s", member_id, exc_info=True)
            return False
        return True

    async def moderators(
        self, text: str, guild_id: int | None = None, *, view: discord.ui.View | None = None
    ) -> None:
        """A short message to a server's moderators' channel, or its designated moderator's DMs.

        `guild_id` None: to every server's moderators (rules and database news concern all).
        """
        routes = self.bot.routes
        routings = routes.every() if guild_id is None else (routes.for_guild(guild_id),)
        sent = False
        for routing in routings:
            target: discord.abc.Messageable | None = None
            if routing.moderator_channel_id is not None:
                target = await self._channel(routing.moderator_channel_id)
            elif routing.moderator_user_id is not None:
                target = await self._user(routing.moderator_user_id)
            if target is None:
                continue
            sent = True
            await self._send(target, text, view)
        if not sent:
            log.warning("no moderators' channel or user configured for: %s", text)

    async def reviewer(self, text: str, guild_id: int, *, view: discord.ui.View | None) -> None:
        """A short message to a server's independent reviewer, by DM."""
        reviewer_id = self.bot.routing(guild_id).reviewer_user_id
        user = await self._user(reviewer_id) if reviewer_id is not None else None
        if user is None:
            log.warning("no reviewer configured for server %s: %s", guild_id, text)
            return
        await self._send(user, text, view)

    async def _send(
        self, target: discord.abc.Messageable, text: str, view: discord.ui.View | None
    ) -> None:
        try:
            if view is not None:
                await target.send(text[:2000], allowed_mentions=render.NO_MENTIONS, view=view)
            else:
                await target.send(text[:2000], allowed_mentions=render.NO_MENTIONS)
        except discord.HTTPException:
            log.exception("could not reach the moderators")


@contextlib.contextmanager
def _discarded(view: discord.ui.View) -> Iterator[discord.ui.View]:
    """A view used for one send, then taken apart.

    Our buttons are `DynamicItem`s, answered from their custom_id, so the sent view is never
    needed again; but a view and its items refer to each other, and such cycles wait for the
    garbage collector (every sent alert and nudge left ~12 objects for it: steady memory growth
    under load). Taking it apart lets reference counting free it at once.
    """
    try:
        yield view
    finally:
        view.stop()
        view.clear_items()
