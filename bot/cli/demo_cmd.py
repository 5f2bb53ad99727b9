"""`upstander demo`: see the bot work without a Discord token."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.settings import Settings


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Play the scripted conversation through the real bot on a simulated server."""
    from bot.demo import run_demo  # imports discord and simcord only when asked for

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_demo(settings, full=args.full))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `upstander demo`."""
    demo = sub.add_parser("demo", help="play a scripted team conversation, no token needed")
    demo.add_argument("--full", action="store_true", help="show every line in full, uncut")
    demo.set_defaults(handler=cmd_demo)
