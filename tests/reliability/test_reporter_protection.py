"""After a member reports, nothing anyone else can see names the reporter: not the channel, not
the moderators' channel (report copy and the retaliation alert), not the commands other
moderators run (export included), not the reported member's DMs, not a single log line at DEBUG.
Only the designated moderator's DM names them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
import simcord

from bot.cli.run_cmd import configure_logging
from bot.gateway.cogs.report import MENU_NAME
from bot.services import ReportIn
from bot.settings import Settings
from bot.store.clock import utc_now
from tests.gateway.conftest import World
from tests.reliability.livekit import live_bot
from tests.services.kit import INSULT, SLUR


class Everything(logging.Handler):
    """Keeps every formatted record (traceback included) of every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Everything]:
    """Logging as `upstander run` sets it up at UPSTANDER_LOG_LEVEL=DEBUG, every line kept."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    named = {n: logging.getLogger(n).level for n in logging.root.manager.loggerDict}
    configure_logging(Settings(_env_file=None, log_level="DEBUG"))  # type: ignore[call-arg]
    handler = Everything()
    root.handlers[:] = [handler]
    yield handler
    root.handlers[:], root.level = saved
    for name, level in named.items():
        logging.getLogger(name).setLevel(level)


def _seen(message: discord.Message) -> str:
    """All a viewer of `message` can read: text, embeds, buttons, attachment names."""
    parts = [message.content, json.dumps([e.to_dict() for e in message.embeds])]
    parts += [json.dumps(c.to_dict()) for c in message.components]
    parts += [a.filename for a in message.attachments]
    return "\n".join(parts)


async def _reply(result: simcord.InteractionResult) -> str:
    assert result.response is not None
    text = _seen(result.response.message)
    for attachment in result.response.message.attachments:
        text += (await attachment.read()).decode()
    return text


def _names(member: simcord.MemberActor) -> tuple[str, ...]:
    return (str(member.id), member.name, member.mention)


def _reveals(text: str, member: simcord.MemberActor) -> list[str]:
    return [n for n in _names(member) if n in text]


async def _report(world: World) -> tuple[simcord.MemberActor, Everything | None]:
    """Alice posts a slur, Bob reports it with a reason; returns Dave, a second moderator."""
    helpers = world.guild.create_role(
        "Helpers", permissions=discord.Permissions(moderate_members=True)
    )
    dave = world.guild.add_member(world.env.create_user("dave"), roles=[helpers])  # not designated
    target = await world.alice.send(world.general, f"you {SLUR}, nobody wants you here")
    shown = await world.bob.context_menu(world.general, MENU_NAME, target)
    await world.bob.submit_modal(shown, {"reason": "she keeps doing this to me"})
    return dave, None


def _public_posts(world: World) -> list[discord.Message]:
    """What the bot posted where more than the designated moderator can read."""
    posts = world.general.history() + world.mods_channel.history() + world.dms(world.alice)
    return [m for m in posts if m.author.bot]


async def _command_outputs(world: World, dave: simcord.MemberActor) -> dict[str, str]:
    """What a moderator who is not the designated one sees from each reading command."""
    cases = await world.bot.services.cases.open_cases(world.guild.id)
    runs: list[tuple[str, dict[str, object]]] = [
        ("upstander history", {"member": world.alice}),
        ("upstander cases", {}),
        ("upstander stats", {}),
        ("upstander export", {}),
    ] + [("upstander case", {"id": c.id}) for c in cases]
    return {
        f"{name} {options}": await _reply(await dave.slash(world.general, name, **options))
        for name, options in runs
    }


async def test_a_report_names_the_reporter_to_the_designated_moderator_alone(
    world: World, logs: Everything
) -> None:
    dave, _ = await _report(world)

    (copy,) = world.dms(world.mod)
    assert _reveals(_seen(copy), world.bob)  # the one place that names bob
    titles = [m.embeds[0].title for m in world.mods_posts() if m.embeds]
    assert titles == ["Report #1"]  # the channel copy exists, and is anonymous:
    for message in _public_posts(world):
        assert _reveals(_seen(message), world.bob) == [], _seen(message)
    for command, text in (await _command_outputs(world, dave)).items():
        assert _reveals(text, world.bob) == [], command
    # Bob's own record names him, of course, but says nothing of the report he filed.
    record = await _reply(await dave.slash(world.general, "upstander history", member=world.bob))
    assert "0 report(s) against" in record and "Report #" not in record
    assert logs.lines, "the capture saw nothing"
    assert [line for line in logs.lines if _reveals(line, world.bob)] == []


async def test_retaliation_is_alerted_without_naming_the_reporter_to_others(
    world: World, logs: Everything
) -> None:
    dave, _ = await _report(world)

    await world.alice.send(world.general, f"{world.bob.mention} you {INSULT}, snitch")

    # The alert goes to the designated moderator alone: whom it aims at is the reporter.
    assert "Retaliation" in (world.dms(world.mod)[-1].embeds[0].title or "")
    for message in _public_posts(world):
        assert "Retaliation" not in _seen(message)
        assert _reveals(_seen(message), world.bob) == [], _seen(message)
    outputs = await _command_outputs(world, dave)
    export = outputs.pop("upstander export {}")
    for command, text in outputs.items():
        assert _reveals(text, world.bob) == [], command
    # In the export bob appears only as the addressee of alice's own (public) message, never
    # in a report, watch, case or escalation entry.
    for line in export.splitlines():
        if str(world.bob.id) in line:
            entry = json.loads(line)
            assert entry["action"] == "detection", line
            assert str(world.bob.id) in json.dumps(entry["details"]["verdict"]["addressee"])
    assert [line for line in logs.lines if _reveals(line, world.bob)] == []


async def test_debug_logs_of_real_http_never_carry_the_reporter(
    tmp_path: Path, logs: Everything
) -> None:
    """Over real HTTP (fakediscord), discord.py logs request bodies at DEBUG: the designated
    moderator's DM, which names the reporter, must not reach the log."""
    async with live_bot(tmp_path) as live:
        posted = await live.server.post_message(live.general, live.alice, "nobody wants you")
        await live.settle()
        filed = await live.bot.services.reports.file(
            ReportIn(
                guild_id=live.guild.id,
                channel_id=live.general.id,
                message_id=int(posted["id"]),
                reported_id=live.alice.id,
                reporter_id=live.bob.id,
                text="nobody wants you",
                at=utc_now(),
                reason="she keeps doing this",
            )
        )
        await live.bot.courier.report(filed)

        (copy,) = live.server.dms_to(live.mod)
        assert str(live.bob.id) in json.dumps(copy)  # it was sent, naming bob
    assert any(line.startswith("DEBUG") for line in logs.lines)  # DEBUG really was on
    leaked = [line for line in logs.lines if str(live.bob.id) in line or live.bob.name in line]
    assert leaked == []
