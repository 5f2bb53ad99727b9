"""Members post, edit and delete; the bot nudges privately and alerts moderators."""

from __future__ import annotations

import contextlib

import discord
import pytest

from tests.gateway.conftest import World
from tests.services.kit import INSULT, SLUR, THREAT


async def test_flagged_message_gets_private_nudge_naming_channel_words_and_policy(
    world: World,
) -> None:
    await world.alice.send(world.general, f"you are such a {SLUR}")

    (dm,) = world.dms(world.alice)
    assert f"<#{world.general.id}>" in dm.content
    assert f"“{SLUR}”" in dm.content
    assert "Slurs hurt colleagues" in dm.content  # the reason
    assert "discrimination (high); rule test.slur" in dm.content  # the policy
    assert [c.label for row in dm.components for c in row.children] == ["I think this is a mistake"]
    # Never public: nothing from the bot in the channel.
    assert [m for m in world.general.history() if m.author.bot] == []


async def test_clean_message_gets_nothing_and_is_stored_nowhere(world: World) -> None:
    await world.alice.send(world.general, "morning all, coffee?")

    assert world.dms(world.alice) == []
    assert [a for _, a, _ in await world.audit() if a == "detection"] == []


async def test_bot_messages_are_ignored(world: World) -> None:
    hook = world.guild.create_webhook(world.general)
    await hook.send(f"{SLUR} from a webhook")

    assert [a for _, a, _ in await world.audit() if a == "detection"] == []


async def test_edit_is_rechecked_and_earlier_version_kept(world: World) -> None:
    message = await world.alice.send(world.general, "hello team")
    await world.alice.edit(message, f"hello {INSULT}")
    assert len(world.dms(world.alice)) == 1

    await world.alice.edit(message, "hello team (sorry)")

    store = world.bot.services.store
    (incident,) = await store.incidents.for_message(world.guild.id, message.id)
    assert incident.text == f"hello {INSULT}"
    assert [e.text for e in incident.edits] == ["hello team (sorry)"]
    assert len(world.dms(world.alice)) == 1  # an edit is not nudged twice


async def test_deleting_flagged_message_is_recorded_with_evidence(world: World) -> None:
    message = await world.alice.send(world.general, SLUR)
    await world.alice.delete(message)

    (incident,) = await world.bot.services.store.incidents.for_message(world.guild.id, message.id)
    assert incident.deleted_at is not None and incident.text == SLUR
    assert ("bot", "message.delete", f"message:{world.guild.id}/{message.id}") in (
        await world.audit()
    )


async def test_critical_message_alerts_moderator_by_dm_and_channel_with_buttons(
    world: World,
) -> None:
    message = await world.alice.send(world.general, f"I will {THREAT}")

    (post,) = world.mods_posts()
    (dm,) = world.dms(world.mod)
    for alert in (post, dm):
        embed = alert.embeds[0]
        assert embed.title is not None and "Immediate" in embed.title
        timeline = next(f.value for f in embed.fields if f.name == "Timeline")
        assert THREAT in timeline and message.jump_url in timeline
        labels = [c.label for row in alert.components for c in row.children]
        assert labels == [
            "Acknowledge",
            "Resolve: action taken",
            "Resolve: no action",
            "Resolve: false positive",
        ]


async def test_moderators_are_watched_and_their_case_goes_to_the_reviewer(world: World) -> None:
    await world.mod.send(world.general, f"I will {THREAT}")

    assert len(world.dms(world.mod)) == 1  # the nudge, not the alert
    assert world.mods_posts() == []
    (alert,) = world.dms(world.reviewer)
    assert alert.embeds[0].footer.text is not None
    assert "independent reviewer" in alert.embeds[0].footer.text


async def test_thread_messages_are_watched(world: World) -> None:
    thread_id = world.env.backend.create_thread(world.general.id, "banter", world.alice.id).id
    await world.env.settle()
    thread = next(t for t in world.general.threads if t.id == thread_id)

    await world.bob.send(thread, f"{INSULT}!")

    assert len(world.dms(world.bob)) == 1


async def test_excluded_channel_is_not_watched(world: World) -> None:
    offtopic = world.guild.create_text_channel("offtopic")
    await world.restart(excluded_channel_ids=[offtopic.id])

    await world.alice.send(offtopic, SLUR)

    assert world.dms(world.alice) == []


async def test_closed_dms_are_recorded_noticed_in_channel_and_flagged_in_alert(
    world: World,
) -> None:
    await world.restart(channel_notice_when_dm_closed=True)
    world.env.inject_error(
        "POST",
        f"/channels/{world.alice.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )

    await world.alice.send(world.general, THREAT)

    (nudge,) = await world.bot.services.store.nudges.for_member(world.guild.id, world.alice.id)
    assert nudge.status == "dms_closed"
    (notice,) = [m for m in world.general.history() if m.author.bot]
    assert world.alice.mention in notice.content and THREAT not in notice.content
    (alert,) = world.mods_posts()
    assert "Nudge not delivered" in [f.name for f in alert.embeds[0].fields]


async def test_discord_automod_block_is_counted(world: World) -> None:
    world.env.backend.create_auto_mod_rule(
        world.guild.id,
        world.guild.owner.id,
        {
            "name": "blocked words",
            "event_type": 1,
            "trigger_type": 1,
            "trigger_metadata": {"keyword_filter": ["blockme"]},
            "actions": [{"type": 1}],
        },
    )

    # Discord may refuse the blocked message to its sender: that is not what we test.
    with contextlib.suppress(discord.HTTPException):
        await world.alice.send(world.general, "blockme please")

    history = await world.bot.services.members.history(world.guild.id, world.alice.id)
    (incident,) = history.incidents
    assert incident.category == "harassment" and incident.verdict["automod"]


async def test_edit_after_restart_uses_the_uncached_path_and_keeps_evidence(world: World) -> None:
    message = await world.alice.send(world.general, f"{SLUR} again")
    await world.restart()  # the new process never saw the message: only raw events fire

    await world.alice.edit(message, "edited away")

    (incident,) = await world.bot.services.store.incidents.for_message(world.guild.id, message.id)
    assert incident.text == f"{SLUR} again"
    assert [e.text for e in incident.edits] == ["edited away"]


async def test_messages_are_not_parsed_for_text_commands(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slash commands only: no per-message command context, and messages are still judged."""
    contexts: list[object] = []
    original = world.bot.get_context

    async def counted(message: object, **kw: object) -> object:
        contexts.append(message)
        return await original(message, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(world.bot, "get_context", counted)
    await world.alice.send(world.general, f"<@{world.bot.user.id}> help {SLUR}")  # type: ignore[union-attr]

    assert contexts == []
    assert len(world.dms(world.alice)) == 1


async def test_nudge_opens_the_dm_by_id_without_fetching_the_user(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An uncached sender costs one REST call less: no GET of the user before the DM."""
    fetched: list[int] = []

    async def fetch_user(user_id: int) -> discord.User:
        fetched.append(user_id)
        raise AssertionError("the nudge fetched the user")

    monkeypatch.setattr(world.bot, "get_user", lambda user_id: None)
    monkeypatch.setattr(world.bot, "fetch_user", fetch_user)
    await world.alice.send(world.general, f"you are such a {SLUR}")

    assert fetched == []
    (dm,) = world.dms(world.alice)
    assert "Slurs hurt colleagues" in dm.content
