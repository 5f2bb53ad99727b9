"""The Discord layer: the only package that imports discord. Thin: translate and render.

from bot.gateway import create_bot
bot = create_bot(settings)          # no network, no files until login()/start()
"""

from bot.gateway.client import UpstanderBot, apply_discord_endpoints, create_bot

__all__ = ["UpstanderBot", "apply_discord_endpoints", "create_bot"]
