"""A small Discord-compatible server (REST v10 + Gateway v10) for end-to-end tests.

It binds 127.0.0.1 on an ephemeral port and speaks just enough of Discord's protocol
for an unmodified discord.py 2.7.1 client to log in, connect, sync commands, receive
injected events and answer them. See ``docs/dev/fake-discord.md``.
"""

from .faults import Fault
from .models import FakeChannel, FakeGuild, FakeInteraction, FakeRole, FakeUser
from .server import FakeDiscord, point_discord_py_at

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeRole",
    "FakeUser",
    "Fault",
    "point_discord_py_at",
]
