"""The Bot: dependencies through the constructor, everything else in `setup_hook`.

Constructing it touches no network and no files; `setup_hook` (run by `login`) opens the store,
loads the rules, adds the cogs and persistent buttons, and syncs the commands.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord.ext import commands

from bot.engine.cache import RulesCache
from bot.gateway.checks import actor_of
from bot.gateway.courier import Courier
from bot.gateway.errors import UpstanderTree
from bot.gateway.views import DYNAMIC_ITEMS
from bot.policy import Routes, Routing
from bot.policy.authority import is_moderator
from bot.services import LiveRules, Services
from bot.services.policy_book import Clock
from bot.services.records import Store, open_store, utc_now
from bot.services.rules_live import RulesUnavailableError
from bot.settings import Settings

log = logging.getLogger(__name__)

# discord.py names the tasks it runs our code in; these are the ones a shutdown must wait for.
_HANDLER_TASKS = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-dynamic-item-",
    "discord-ui-modal-dispatch-",
)
DRAIN_SECONDS = 20.0
# Events that start work a shutdown would have to wait for: once draining, they are left
# unjudged (and counted) so the drain ends even while the gateway still delivers traffic.
_WORK_EVENTS = frozenset(
    {
        "message",
        "raw_message_edit",
        "raw_message_delete",
        "raw_bulk_message_delete",
        "automod_action",
        "interaction",
    }
)
# Retrying kept decisions (database locked, full, read-only): first after 1 s, then doubling.
KEPT_RETRY_FIRST = 1.0
KEPT_RETRY_MAX = 30.0
# Retention runs soon after start (not at once: a crash loop must not purge on every start)
# and then daily, so `UPSTANDER_RETENTION_DAYS` holds without an operator's cron job.
RETENTION_FIRST_SECONDS = 300.0
RETENTION_EVERY_SECONDS = 86_400.0
DATABASE_DOWN = (
    "Upstander cannot write to its database (locked by another process, disk full or "
    "read-only; the bot's log says which). Flagged messages are kept in memory and will be "
    "recorded, nudged and escalated when it recovers."
)


def apply_discord_endpoints(api_base: str | None, gateway: str | None) -> None:
    """Point discord.py at a Discord-compatible server (tests, local runs); None keeps Discord."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
        log.warning("Discord REST base overridden: %s (the token is sent there)", api_base)
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
        log.warning("Discord gateway overridden: %s", gateway)


def routing_from(settings: Settings) -> Routing:
    """The unkeyed routing settings: a single server's, or the default of servers not listed."""
    return _routing(
        settings.moderator_user_id,
        settings.moderator_channel_id,
        settings.reviewer_user_id,
        settings.moderator_role_id,
        settings.moderator_user_ids,
    )


def routes_from(settings: Settings) -> Routes:
    """Routing per server from `UPSTANDER_GUILD_ROUTING`, the unkeyed settings for the rest."""
    by_guild = {
        guild_id: _routing(
            r.moderator_user_id,
            r.moderator_channel_id,
            r.reviewer_user_id,
            r.moderator_role_id,
            r.moderator_user_ids,
        )
        for guild_id, r in settings.guild_routing.items()
    }
    served = settings.guild_ids
    if served and all(g in by_guild for g in served):
        # Every served server has its own: the unkeyed settings serve none, and must not be
        # told anything (rules errors, database news) meant for the servers' moderators.
        return Routes(Routing(), by_guild)
    return Routes(routing_from(settings), by_guild)


def _routing(
    moderator: int | None,
    channel: int | None,
    reviewer: int | None,
    role: int | None,
    listed: list[int],
) -> Routing:
    ids = set(listed)
    if moderator is not None:
        ids.add(moderator)
    return Routing(moderator, channel, reviewer, frozenset(ids), role)


def shared_routing(routes: Routes, joined: list[int], served: list[int]) -> list[int]:
    """The servers (of those joined and served) that would share the unkeyed routing."""
    default = routes.default
    if default == Routing():
        return []  # nobody configured: nothing can reach the wrong people
    sharing = [g for g in joined if (not served or g in served) and g not in routes.by_guild]
    return sharing if len(sharing) > 1 else []


def intents() -> discord.Intents:
    """Default intents plus message content (privileged: enable it in the developer portal)."""
    wanted = discord.Intents.default()
    wanted.message_content = True
    return wanted


class UpstanderBot(commands.Bot):
    """Upstander's Discord client."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules: LiveRules | None = None,
        store: Store | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """Keep the dependencies; nothing is opened or loaded until `setup_hook`."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            tree_cls=UpstanderTree,
            allowed_mentions=discord.AllowedMentions.none(),
            # No message cache: discord.py updates a cached message in place on MESSAGE_UPDATE,
            # so a handler still queued for the original would judge and store the edited text.
            # The cogs use raw events, which carry the message data.
            max_messages=None,
        )
        self.settings = settings
        self.routes = routes_from(settings)
        self._rules = rules
        self._store = store
        self._owns_store = store is None
        self.clock = clock  # the policy's "now"; tests pass a simulated Discord's clock
        self._services: Services | None = None
        self.courier = Courier(self)
        self.draining = False
        self.refused_while_draining = 0
        self._poll_task: asyncio.Task[None] | None = None
        self._kept_task: asyncio.Task[None] | None = None
        self._retention_task: asyncio.Task[None] | None = None

    @property
    def services(self) -> Services:
        """The services (available once `setup_hook` has run)."""
        if self._services is None:
            raise RuntimeError("the bot has not been set up yet (setup_hook)")
        return self._services

    async def setup_hook(self) -> None:
        """Open the store, load the rules, add cogs and buttons, sync the commands."""
        from bot.gateway.cogs import COGS  # cogs import this module: keep the cycle local

        rules = self._rules
        if rules is None:
            rules = LiveRules(self.settings.rules, RulesCache(self.settings.cache_directory))
            errors = rules.load_initial()
            if errors:
                raise RulesUnavailableError("rules have errors:\n  " + "\n  ".join(errors))
        if self._store is None:
            self._store = await open_store(self.settings.database)
        rules.audit = self._store.audit
        self._services = Services.build(
            self._store,
            rules,
            self.routes,
            self.clock,
            checkin_targets=self.settings.checkin_targets,
        )
        for cog in COGS:
            await self.add_cog(cog(self))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self._sync()
        await self._store.audit.record(
            "system", "bot.start", "bot", {"rules_version": rules.version}
        )
        if self.settings.rules_poll_seconds > 0:
            self._poll_task = asyncio.create_task(self._poll_rules(), name="upstander-rules-poll")
        self._retention_task = asyncio.create_task(self._retention_loop(), name="upstander-purge")

    async def _sync(self) -> None:
        if self.settings.guild_ids:
            # Guild commands appear at once; global ones can take up to an hour.
            for guild_id in self.settings.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def _poll_rules(self) -> None:
        while not self.is_closed():
            await asyncio.sleep(self.settings.rules_poll_seconds)
            try:
                await self.poll_rules()
            except Exception:
                log.exception("rules poll failed")

    async def _retention_loop(self) -> None:
        await asyncio.sleep(RETENTION_FIRST_SECONDS)
        while not self.is_closed():
            try:
                await self.apply_retention()
            except Exception:
                log.exception("retention purge failed; trying again in a day")
            await asyncio.sleep(RETENTION_EVERY_SECONDS)

    async def apply_retention(self) -> int:
        """Erase message texts older than `UPSTANDER_RETENTION_DAYS` (audited); the count."""
        days = self.settings.retention_days
        count = await self.services.store.purge(days, now=self.clock())
        log.info("retention: %d message texts older than %d days erased", count, days)
        return count

    async def poll_rules(self, *, force: bool = False, actor: str = "system:rules") -> Any:
        """Reload changed rules; a broken change is reported to the moderators (file:line)."""
        report = await self.services.rules.check(force=force, actor=actor)
        if report.changed and not report.ok:
            errors = "\n".join(f"• {e}" for e in report.errors[:15])
            await self.courier.moderators(
                f"Rules change refused; still running version {report.version}.\n{errors}"
            )
        return report

    def retry_kept_soon(self) -> None:
        """Start retrying decisions the store refused, unless a retry loop already runs."""
        if not self.services.moderation.kept:
            return
        if self._kept_task is None or self._kept_task.done():
            self._kept_task = asyncio.create_task(self._retry_kept(), name="upstander-kept")

    async def _retry_kept(self) -> None:
        moderation = self.services.moderation
        await self.courier.moderators(DATABASE_DOWN)
        delay = KEPT_RETRY_FIRST
        while moderation.kept and not self.is_closed():
            await asyncio.sleep(delay)
            await self.deliver_kept()
            delay = min(delay * 2, KEPT_RETRY_MAX)

    async def deliver_kept(self) -> int:
        """Store what the store refused before, and deliver its nudges and alerts."""
        outcomes = await self.services.moderation.retry_kept()
        for outcome in outcomes:
            await self.courier.deliver(outcome)
        if outcomes and not self.services.moderation.kept:
            await self.courier.moderators(
                f"Upstander's database accepts writes again: {len(outcomes)} kept "
                "decision(s) recorded."
            )
        return len(outcomes)

    def watches(self, channel: Any, guild_id: int | None) -> bool:
        """True for watched channels and their threads (all text channels when none listed)."""
        settings = self.settings
        if guild_id is None or (settings.guild_ids and guild_id not in settings.guild_ids):
            return False
        ids = {channel.id, getattr(channel, "parent_id", None)} - {None}
        if ids & set(settings.excluded_channel_ids):
            return False
        if self.routing(guild_id).moderator_channel_id in ids:
            return False  # the moderators' own discussion of evidence must not be flagged
        return not settings.watched_channel_ids or bool(ids & set(settings.watched_channel_ids))

    async def on_ready(self) -> None:
        """Say loudly when several servers would share one routing (`UPSTANDER_GUILD_IDS` empty)."""
        shared = shared_routing(self.routes, [g.id for g in self.guilds], self.settings.guild_ids)
        if shared:
            log.error(
                "servers %s have no routing of their own and share UPSTANDER_MODERATOR_*: each "
                "one's alerts reach the same moderators. List them in UPSTANDER_GUILD_IDS and "
                "give each an entry in UPSTANDER_GUILD_ROUTING.",
                ", ".join(map(str, shared)),
            )

    async def on_message(self, message: discord.Message, /) -> None:
        """No text commands: commands.Bot would otherwise parse every message for a prefix.

        The watch cog's listener still gets every message; this only replaces the prefix
        parsing (a command context built per message) that slash-only bots do not need.
        """

    def routing(self, guild_id: int) -> Routing:
        """Who is told in this server, and who counts as its moderator."""
        return self.routes.for_guild(guild_id)

    def author_is_moderator(self, author: discord.abc.User, guild_id: int) -> bool:
        """The moderator check (bot/policy/authority.py), for message authors."""
        return is_moderator(actor_of(author), self.routing(guild_id))

    async def member_of(self, guild_id: int, user_id: int) -> discord.Member | None:
        """A guild member from the cache or REST (buttons clicked in DMs carry only a user)."""
        guild = self.get_guild(guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is not None:
            return member
        try:
            return await guild.fetch_member(user_id)
        except discord.HTTPException:
            return None

    async def names_in(self, guild_id: int, member_id: int) -> tuple[str, ...]:
        """Names to take out of an example: the member's and every cached member's of the guild."""
        guild = self.get_guild(guild_id)
        people: list[Any] = list(guild.members) if guild is not None else []
        member = await self.member_of(guild_id, member_id)
        if member is not None:
            people.append(member)
        names = {
            name
            for person in people
            for name in (person.name, person.display_name, getattr(person, "global_name", None))
            if name
        }
        return tuple(sorted(names))

    def inflight(self) -> set[asyncio.Task[Any]]:
        """Handler tasks still running (events, commands, buttons, modals)."""
        current = asyncio.current_task()
        return {
            t
            for t in asyncio.all_tasks()
            if t is not current and not t.done() and t.get_name().startswith(_HANDLER_TASKS)
        }

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's dispatch, except that new work is refused once a shutdown has begun."""
        if self.draining and event_name in _WORK_EVENTS:
            own = event_name == "message" and args and getattr(args[0].author, "bot", False)
            self.refused_while_draining += 0 if own else 1  # bots' messages are never judged
            return
        super().dispatch(event_name, *args, **kwargs)

    async def drain_and_close(self, timeout: float = DRAIN_SECONDS) -> None:
        """Graceful stop: let running handlers finish (their decisions and DMs), then close."""
        if self.draining:
            return
        self.draining = True
        log.info("shutting down: waiting for %d handler(s)", len(self.inflight()))
        # Handlers may spawn others (a command that posts an alert): wait until none remain.
        while pending := self.inflight():
            _done, still = await asyncio.wait(pending, timeout=timeout)
            if still:
                log.error("shutdown: %d handler(s) still running after %ss", len(still), timeout)
                break
        if self.refused_while_draining:
            log.warning(
                "shutdown: %d event(s) arrived after it began and were not judged",
                self.refused_while_draining,
            )
        if self._services is not None and self.services.moderation.kept:
            await self.deliver_kept()  # one last chance before the memory goes
            for kept in self.services.moderation.kept:
                log.error("LOST on shutdown, never stored: decision on %s", kept.label)
        await self.close()

    async def close(self) -> None:
        """Stop polling, close the connection, then the store (if we opened it)."""
        for task in (self._poll_task, self._kept_task, self._retention_task):
            if task is not None:
                task.cancel()
        await super().close()
        if self._store is not None and self._owns_store:
            await self._store.close()
            self._store = None

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Errors in event handlers: logged with the event's name, never re-raised."""
        # Not the arguments: they hold members' messages, which must not land in logs.
        log.exception("error in event %s", event_method)


def create_bot(
    settings: Settings,
    *,
    rules: LiveRules | None = None,
    store: Store | None = None,
    clock: Clock = utc_now,
) -> UpstanderBot:
    """The configured bot, with no network activity; URL overrides applied from settings."""
    apply_discord_endpoints(settings.discord_api_base, settings.discord_gateway)
    # The bot never joins voice: discord.py's warnings about missing voice libraries are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    return UpstanderBot(settings, rules=rules, store=store, clock=clock)
