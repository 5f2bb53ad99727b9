"""A moderator runs each `/upstander` command; everyone else is refused by the bot's own check."""

from __future__ import annotations

import json

import pytest
import simcord
from discord import app_commands

from bot.gateway.checks import NotModeratorError
from tests.gateway.conftest import World
from tests.services.kit import INSULT, SLUR, THREAT


def reply(result: simcord.InteractionResult) -> str:
    assert result.ephemeral, "every moderator reply must be ephemeral"
    assert result.response is not None
    return result.response.content or ""


async def critical_case(world: World) -> int:
    await world.alice.send(world.general, f"I will {THREAT}")
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    return case.id


async def test_history_lists_incidents_and_nudges(world: World) -> None:
    await world.alice.send(world.general, SLUR)

    text = reply(await world.mod.slash(world.general, "upstander history", member=world.alice))

    assert text.startswith(f"<@{world.alice.id}>: 1 incident(s), 1 nudge(s)")


async def test_case_shows_evidence_quotes(world: World) -> None:
    case_id = await critical_case(world)

    text = reply(await world.mod.slash(world.general, "upstander case", id=case_id))

    assert f"#{case_id} critical <@{world.alice.id}> open" in text and THREAT in text


async def test_cases_lists_open_cases(world: World) -> None:
    case_id = await critical_case(world)

    text = reply(await world.mod.slash(world.general, "upstander cases"))

    assert text.startswith(f"#{case_id} critical")


async def test_cases_open_false_lists_resolved_cases_too(world: World) -> None:
    case_id = await critical_case(world)
    await world.mod.slash(world.general, "upstander resolve", id=case_id, outcome="action_taken")

    open_only = reply(await world.mod.slash(world.general, "upstander cases"))
    everything = reply(await world.mod.slash(world.general, "upstander cases", open=False))

    assert open_only == "No open cases."
    assert everything.startswith(f"#{case_id} critical <@{world.alice.id}> resolved (action_taken)")


async def test_resolve_closes_case_and_is_audited_with_moderator(world: World) -> None:
    case_id = await critical_case(world)

    text = reply(
        await world.mod.slash(
            world.general, "upstander resolve", id=case_id, outcome="no_action", note="talked"
        )
    )

    assert text == f"Case #{case_id} resolved: no action."
    assert (f"moderator:{world.mod.id}", "case.resolve", f"case:{case_id}") in await world.audit()


async def test_note_with_category_is_a_warning_that_counts(world: World) -> None:
    text = reply(
        await world.mod.slash(
            world.general,
            "upstander note",
            member=world.bob,
            text="shouted at Alice",
            category="harassment",
            severity="high",
        )
    )
    assert text == f"Warning #1 added for {world.bob.mention}."

    await world.bob.send(world.general, f"{INSULT} again")  # high + medium: over the threshold

    (alert,) = world.mods_posts()
    assert alert.embeds[0].title is not None and "Repeat sender" in alert.embeds[0].title


async def test_stats_counts_per_category_and_channel(world: World) -> None:
    await world.alice.send(world.general, SLUR)
    await world.bob.send(world.general, INSULT)

    text = reply(await world.mod.slash(world.general, "upstander stats", days=7))

    assert text.startswith("2 incident(s) in the last 7 day(s).")
    assert "discrimination 1" in text and "harassment 1" in text
    assert f"<#{world.general.id}> 2" in text and "Trend:" in text


async def test_export_returns_audit_log_file(world: World) -> None:
    await world.alice.send(world.general, SLUR)

    result = await world.mod.slash(world.general, "upstander export")

    assert result.ephemeral and result.response is not None
    (attachment,) = result.response.message.attachments
    lines = (await attachment.read()).decode().splitlines()
    assert "detection" in [json.loads(line)["action"] for line in lines]


async def test_rules_test_explains_without_storing(world: World) -> None:
    text = reply(await world.mod.slash(world.general, "upstander rules test", text=SLUR))

    assert text.startswith("Flagged: discrimination (high)") and "test.slur" in text
    assert text.endswith(f"(rules version {world.bot.services.rules.version})")
    assert [a for _, a, _ in await world.audit() if a == "detection"] == []


async def test_rules_status_and_reload(world: World) -> None:
    version = world.bot.services.rules.version

    status = reply(await world.mod.slash(world.general, "upstander rules status"))
    reloaded = reply(await world.mod.slash(world.general, "upstander rules reload"))

    directory = world.bot.services.rules.directory
    assert status.startswith(f"Rules version {version} from {directory}: 3 rule(s)")
    assert reloaded == f"Rules reloaded: version {version}."
    assert (f"moderator:{world.mod.id}", "rules.reload", "rules") in await world.audit()


async def test_audit_verify_reports_intact_chain(world: World) -> None:
    await world.alice.send(world.general, SLUR)

    text = reply(await world.mod.slash(world.general, "upstander audit verify"))

    assert text.startswith("Audit log intact:")


async def test_commands_are_hidden_from_members(world: World) -> None:
    assert "upstander cases" not in world.alice.available_commands(world.general)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await world.alice.slash(world.general, "upstander cases")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("upstander cases", {}),
        ("upstander rules test", {"text": "x"}),  # a nested group: checked as well
        ("upstander audit verify", {}),
    ],
)
async def test_non_moderator_is_refused_by_the_bot_even_when_shown(
    world: World, command: str, options: dict[str, object]
) -> None:
    # A server admin can make the commands visible to anyone; the bot must still refuse.
    synced = await world.bot.tree.fetch_commands()
    group = next(c for c in synced if c.name == "upstander")
    world.guild.set_command_permissions(group, {world.alice: True})

    result = await world.alice.slash(world.general, command, **options)

    assert reply(result) == "Moderators only."
    assert [type(e) for e in world.env.errors] == [NotModeratorError]
    assert issubclass(NotModeratorError, app_commands.CheckFailure)
