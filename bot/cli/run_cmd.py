"""`upstander run`: start the Discord bot with the settings from the environment / `.env`.

Stops at once, exit 2, with a sentence naming the setting when something is missing or wrong.
SIGTERM and SIGINT drain running handlers before closing, so no decision is lost.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
import sys
from typing import Any

from bot.cli.run_report import ready_line, routing_warnings, server_warnings
from bot.rules_location import describe
from bot.settings import Settings

log = logging.getLogger("bot.run")

# The garbage collector, tuned for a long-running bot (measured with `bench_load.py --stalls`).
# A full collection walks every tracked object, and most of them live as long as the process:
# the loaded modules and the compiled rules (~70,000 objects; a full pass over them stopped the
# event loop for 30-40 ms, more on a busy machine). `gc.freeze()` moves what exists out of the
# collector's reach (refcounting still frees it): once before connecting, where the collection
# that precedes it costs nothing to anyone, and again once the gateway is ready, for what the
# setup added (a few ms). A larger first threshold lets the short-lived objects of a message
# (payloads, verdicts, tasks) die before a young collection can promote them: fewer reach the
# oldest generation, so full collections, which run once it has grown by a quarter, come rarely.
GC_THRESHOLDS = (50_000, 20, 10)

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Create a bot in the Discord developer portal "
    "(https://discord.com/developers/applications → your app → Bot → Reset Token), then put "
    "DISCORD_TOKEN=<token> in the environment or in .env (see deploy/.env.example)."
)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def configure_logging(settings: Settings) -> None:
    """Log to stdout at the configured level, plain or JSON."""
    handler = logging.StreamHandler(sys.stdout)
    if settings.log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level_number)
    # Their DEBUG lines echo every SQL statement with its parameters, every REST request body
    # and every gateway event: members' messages, and the reporter named in the designated
    # moderator's DM. Capped at INFO whatever the level, so no log line ever carries them.
    for name in ("aiosqlite", "discord.http", "discord.gateway", "discord.webhook"):
        logging.getLogger(name).setLevel(max(logging.INFO, settings.log_level_number))


def register(subparsers: Any) -> None:
    """Add `upstander run`."""
    run = subparsers.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    run.set_defaults(handler=cmd_run)


def _fail(message: str) -> int:
    print(f"upstander: {message}", file=sys.stderr)
    return 2


def cmd_run(args: Any, settings: Settings) -> int:
    """Check the settings, rules and database, then run the bot until a signal stops it."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        return _fail(NO_TOKEN)
    configure_logging(settings)
    from bot.engine.cache import RulesCache  # imported late: `--help` stays fast
    from bot.services import LiveRules

    for warning in routing_warnings(settings):
        log.warning("%s", warning)
    rules = LiveRules(settings.rules, RulesCache(settings.cache_directory))
    errors = rules.load_initial()
    if errors:
        listed = "\n  ".join(errors[:30])
        return _fail(
            f"the rules in {settings.rules} have errors (UPSTANDER_RULES):\n  {listed}\n"
            "Fix them (`upstander rules lint`) or point UPSTANDER_RULES at a good directory."
        )
    log.info(
        "rules: %s, version %s, %d rules",
        describe(settings.rules),
        rules.version,
        len(rules.ruleset),
    )
    return asyncio.run(_run(settings, rules))


async def _run(settings: Settings, rules: Any) -> int:
    from bot.store import StoreError, open_store

    # Before logging in: a bad database is a setting to fix, not something to find later.
    try:
        store = await open_store(settings.database)
    except StoreError as exc:
        return _fail(f"UPSTANDER_DATABASE={settings.database}: {exc}")
    try:
        return await _serve(settings, rules, store)
    finally:
        await store.close()


async def _serve(settings: Settings, rules: Any, store: Any) -> int:
    import aiohttp
    import discord

    from bot.gateway import create_bot
    from bot.services.rules_live import RulesUnavailableError
    from bot.store import StoreError

    bot = create_bot(settings, rules=rules, store=store)
    loop = asyncio.get_running_loop()
    gc.set_threshold(*GC_THRESHOLDS)
    _freeze_survivors()
    readying = loop.create_task(_once_ready(bot, settings, rules), name="upstander-ready")
    stopping: list[asyncio.Task[None]] = []

    def stop(name: str) -> None:
        log.info("%s received: finishing running work, then closing", name)
        if not stopping:
            stopping.append(loop.create_task(bot.drain_and_close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    assert settings.discord_token is not None
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        return _fail("Discord refused DISCORD_TOKEN; reset the token in the developer portal.")
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "the Message Content intent is not enabled: developer portal → your app → Bot → "
            "Privileged Gateway Intents → Message Content Intent."
        )
    except (StoreError, RulesUnavailableError) as exc:
        return _fail(str(exc))
    except discord.HTTPException as exc:  # Discord itself answered with an error
        return _fail(f"Discord answered HTTP {exc.status} at login; try again later.")
    except (aiohttp.ClientError, discord.GatewayNotFound, OSError, TimeoutError) as exc:
        return _fail(unreachable(settings, exc))
    finally:
        readying.cancel()  # a start-up that failed never got ready
    if stopping:
        await stopping[0]
    log.info("stopped cleanly")
    return 0


def unreachable(settings: Settings, exc: BaseException) -> str:
    """One line for a network failure before the bot got connected."""
    where = settings.discord_api_base or "discord.com"
    reason = " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever aiohttp says
    return (
        f"cannot reach Discord ({where}): {reason}. Check this machine's network connection "
        "(DNS, proxy, firewall), then start again."
    )


def _freeze_survivors() -> None:
    """Collect once, then freeze the survivors so later full collections skip them."""
    gc.collect()
    gc.freeze()


async def _once_ready(bot: Any, settings: Settings, rules: Any) -> None:
    """Once connected: say so in one line, then freeze what start-up added (see above)."""
    await bot.wait_until_ready()
    user = f"{bot.user} (id {bot.user.id})" if bot.user else "?"
    log.info(
        "%s",
        ready_line(
            settings,
            user,
            len(bot.guilds),
            len(rules.ruleset),
            rules.version,
            describe(settings.rules),
        ),
    )
    for warning in server_warnings(settings, {guild.id for guild in bot.guilds}):
        log.warning("%s", warning)
    _freeze_survivors()
    log.debug("start-up objects frozen: %d", gc.get_freeze_count())
