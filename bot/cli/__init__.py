"""The `upstander` command line: one sub-module per group of commands.

Each module in `COMMAND_MODULES` exposes `register(subparsers)`, which adds its sub-commands and
sets `handler(args, settings) -> int` as their default. Settings are built once here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib import metadata

from bot.settings import SettingsError, load_settings, unknown_variables

COMMAND_MODULES = (
    "bot.cli.engine_cmds",
    "bot.cli.demo_cmd",
    "bot.cli.ops_cmds",
    "bot.cli.store_cmds",
    "bot.cli.evidence_cmd",
    "bot.cli.scan_cmd",
    "bot.cli.run_cmd",
)


def _version() -> str:
    try:
        return metadata.version("upstander")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="upstander",
        description="Upstander: a moderation bot that speaks up, privately and consistently.",
    )
    parser.add_argument("--version", action="version", version=f"upstander {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build settings, run the chosen command and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"upstander: {exc}", file=sys.stderr)
        return 2
    for warning in unknown_variables():
        print(f"upstander: warning: {warning}", file=sys.stderr)
    try:
        return int(args.handler(args, settings))
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
