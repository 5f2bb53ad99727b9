"""One cog per feature: watching traffic, the moderators' commands, member reports."""

from bot.gateway.cogs.mod import ModCog
from bot.gateway.cogs.report import ReportCog
from bot.gateway.cogs.watch import WatchCog

COGS = (WatchCog, ModCog, ReportCog)

__all__ = ["COGS", "ModCog", "ReportCog", "WatchCog"]
