"""Operations: `upstander invite-url CLIENT_ID` and `upstander doctor`."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from bot.routing_settings import GuildRouting
from bot.settings import Settings

# The bot's permissions, each with the reason it needs it, and no more.
PERMISSIONS: dict[str, tuple[int, str]] = {
    "View Channels": (1 << 10, "see the watched channels and the moderators' channel"),
    "Send Messages": (1 << 11, "post alerts in the moderators' channel and the optional notice"),
    "Embed Links": (1 << 14, "show alerts and nudges as embeds with evidence links"),
    "Attach Files": (1 << 15, "attach /upstander export files"),
    "Read Message History": (1 << 16, "read a reported or edited message it has not cached"),
}
AUTOMOD_PERMISSION = ("Manage Server", 1 << 5, "receive Discord AutoMod action events")
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)  # GATEWAY_MESSAGE_CONTENT (or _LIMITED)
DEFAULT_API = "https://discord.com/api/v10"
ADMINISTRATOR = 1 << 3


def invite_url(client_id: int, automod: bool = False) -> str:
    """The OAuth2 URL that adds the bot with exactly the permissions it needs."""
    bits = sum(bit for bit, _ in PERMISSIONS.values())
    if automod:
        bits |= AUTOMOD_PERMISSION[1]
    return (
        "https://discord.com/oauth2/authorize"
        f"?client_id={client_id}&scope=bot+applications.commands&permissions={bits}"
    )


def cmd_invite_url(args: argparse.Namespace, settings: Settings) -> int:
    """Print the invite link and why each permission is asked for."""
    print(invite_url(args.client_id, args.automod))
    print("\nPermissions asked for, and why:")
    for name, (_, why) in PERMISSIONS.items():
        print(f"  {name}: {why}")
    if args.automod:
        print(f"  {AUTOMOD_PERMISSION[0]}: {AUTOMOD_PERMISSION[2]}")
    print("Also switch on Message Content Intent: developer portal -> your app -> Bot.")
    return 0


@dataclass
class Checkup:
    """What `doctor` found: lines to print and whether anything must be fixed."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False

    def ok(self, text: str) -> None:
        """Record a check that passed."""
        self.lines.append(f"ok    {text}")

    def warn(self, text: str) -> None:
        """Record something worth fixing that does not stop the bot."""
        self.lines.append(f"warn  {text}")

    def fail(self, text: str) -> None:
        """Record something that must be fixed."""
        self.lines.append(f"FAIL  {text}")
        self.failed = True


def _check_settings(settings: Settings, report: Checkup) -> None:
    from bot.rules_location import describe

    report.ok(f"settings: rules {describe(settings.rules)}, database {settings.database}")
    for where, routing in _routings(settings):
        if not (routing.moderator_user_id or routing.moderator_channel_id):
            report.fail(
                f"no designated moderator{where}: set UPSTANDER_MODERATOR_USER_ID and/or "
                "UPSTANDER_MODERATOR_CHANNEL_ID, or escalations have nowhere to go"
            )
        if not routing.reviewer_user_id:
            report.warn(
                f"no UPSTANDER_REVIEWER_USER_ID{where}: cases about a moderator cannot be routed"
            )


def _routings(settings: Settings) -> list[tuple[str, GuildRouting]]:
    """(" for server N" or "", routing) for each routing in use: per server, then the unkeyed."""
    found = [(f" for server {g}", r) for g, r in settings.guild_routing.items()]
    served = settings.guild_ids
    if not found or not served or any(g not in settings.guild_routing for g in served):
        unkeyed = GuildRouting(
            moderator_user_id=settings.moderator_user_id,
            moderator_channel_id=settings.moderator_channel_id,
            reviewer_user_id=settings.reviewer_user_id,
        )
        found.append(("", unkeyed))
    return found


async def _check_database(settings: Settings, report: Checkup) -> None:
    from bot.store import StoreError, open_store

    path = settings.database
    if not path.exists():
        # Checked, not created: doctor leaves no database behind (the bot makes it at start).
        folder = path.parent
        if not folder.is_dir():
            report.fail(f"UPSTANDER_DATABASE={path}: directory {folder} does not exist")
        elif not os.access(folder, os.W_OK | os.X_OK):
            report.fail(f"UPSTANDER_DATABASE={path}: directory {folder} is not writable")
        else:
            report.ok(f"database {path}: not created yet; `upstander run` will create it")
        return
    try:
        store = await open_store(settings.database)
    except StoreError as exc:
        report.fail(f"database {settings.database}: {exc}")
        return
    await store.close()
    report.ok(f"database {settings.database}: writable, migrations applied")


def _check_rules(settings: Settings, report: Checkup) -> None:
    from bot.cli.engine_cmds import run_examples
    from bot.engine import load_rules
    from bot.engine.cache import RulesCache
    from bot.policy import load_policy
    from bot.rules_location import describe

    result = load_rules(settings.rules, RulesCache(settings.cache_directory))
    if result.ruleset is None:
        for rule_error in result.errors:
            report.fail(f"rules: {rule_error}")
        return
    ran, failures = run_examples(result.ruleset)
    for failure in failures:
        report.fail(f"rule example: {failure}")
    report.ok(
        f"rules: {describe(settings.rules)}, version {result.ruleset.version}, "
        f"{len(result.ruleset)} rules, {ran - len(failures)}/{ran} examples pass"
    )
    policy = load_policy(settings.rules)
    for error in policy.errors:
        report.fail(f"policy: {error}")
    if not policy.errors:
        report.ok("policy file valid")


async def _get(session: Any, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        body = await response.json(content_type=None) if response.status < 500 else None
        return response.status, body


async def _check_discord(settings: Settings, report: Checkup) -> None:
    """Log in over REST (never printing the token) and check intents and access."""
    import aiohttp

    if settings.discord_token is None:
        report.warn("DISCORD_TOKEN not set: skipped the Discord checks (login, intents, access)")
        return
    base = (settings.discord_api_base or DEFAULT_API).rstrip("/")
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}
    timeout = aiohttp.ClientTimeout(total=15)
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
            status, me = await _get(session, f"{base}/users/@me")
            if status == 401:
                report.fail("Discord rejected DISCORD_TOKEN: reset it in the developer portal")
                return
            if status != 200:
                report.fail(f"could not log in to Discord (HTTP {status})")
                return
            report.ok(f"logged in as {me.get('username', '?')}")
            status, app = await _get(session, f"{base}/oauth2/applications/@me")
            flags = int(app.get("flags") or 0) if status == 200 and app else 0
            if flags & MESSAGE_CONTENT_FLAGS:
                report.ok("Message Content Intent is enabled")
            else:
                report.fail(
                    "Message Content Intent is off: developer portal -> your app -> Bot -> "
                    "Privileged Gateway Intents -> Message Content Intent"
                )
            await _check_access(session, base, settings, report)
    except (aiohttp.ClientError, TimeoutError) as exc:
        report.fail(f"could not reach Discord at {base}: {type(exc).__name__}")


async def _check_access(session: Any, base: str, settings: Settings, report: Checkup) -> None:
    status, guilds = await _get(session, f"{base}/users/@me/guilds")
    if status != 200 or not isinstance(guilds, list):
        report.warn(f"could not list the bot's servers (HTTP {status}); permissions unchecked")
        return
    wanted = set(settings.guild_ids)
    seen = {int(g["id"]) for g in guilds}
    for missing in sorted(wanted - seen):
        report.fail(f"the bot is not in server {missing}: invite it with `upstander invite-url`")
    for guild in guilds:
        if wanted and int(guild["id"]) not in wanted:
            continue
        granted = int(guild.get("permissions") or 0)
        lacking = [
            n for n, (bit, _) in PERMISSIONS.items() if not granted & bit and not granted & 8
        ]
        if lacking:
            report.fail(f"server {guild.get('name')}: missing permissions {', '.join(lacking)}")
        else:
            report.ok(f"server {guild.get('name')}: permissions in place")
    moderators = [r.moderator_channel_id for _, r in _routings(settings)]
    for channel_id in settings.watched_channel_ids + [c for c in moderators if c]:
        status, _ = await _get(session, f"{base}/channels/{channel_id}")
        if status == 200:
            report.ok(f"channel {channel_id}: visible to the bot")
        else:
            report.fail(
                f"channel {channel_id}: the bot cannot see it (HTTP {status}); give it "
                "View Channels there, or check the id"
            )


async def run_doctor(settings: Settings) -> Checkup:
    """Every check `upstander doctor` makes."""
    report = Checkup()
    _check_settings(settings, report)
    await _check_database(settings, report)
    _check_rules(settings, report)
    await _check_discord(settings, report)
    return report


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Check settings, database, rules, and (with a token) Discord access; say what to fix."""
    report = asyncio.run(run_doctor(settings))
    print("\n".join(report.lines))
    print("\nAll good." if not report.failed else "\nFix the FAIL lines above, then run again.")
    return 1 if report.failed else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `invite-url` and `doctor`."""
    invite = sub.add_parser("invite-url", help="print the OAuth2 link that adds the bot")
    invite.add_argument("client_id", type=int, metavar="CLIENT_ID")
    invite.add_argument("--automod", action="store_true", help="also count Discord AutoMod blocks")
    invite.set_defaults(handler=cmd_invite_url)
    doctor = sub.add_parser("doctor", help="check settings, database, rules and Discord access")
    doctor.set_defaults(handler=cmd_doctor)
