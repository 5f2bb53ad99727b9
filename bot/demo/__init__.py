"""`upstander demo`: the real bot on a simulated server, with a scripted team conversation."""

from bot.demo.runner import run_demo

__all__ = ["run_demo"]
