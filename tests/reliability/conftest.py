"""The simulated workplace (simcord `world`) from the gateway tests, for reliability tests."""

from tests.gateway.conftest import base_settings, simcord_bot, world

__all__ = ["base_settings", "simcord_bot", "world"]
