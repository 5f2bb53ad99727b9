"""Every format, written by the project's own generator, reads back to the same chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scan import ChatMessage, derive_author_id, detect_format, read_export
from bot.scan import fixtures as fx
from bot.scan.synthetic import Synthetic, synthetic_chat

N = 1500
EVENTS = list(synthetic_chat(N, seed=11))

Writer = Callable[[Path, list[Synthetic]], Path]


def _file(name: str, write: Callable[[Path, list[Synthetic]], None]) -> Writer:
    def make(tmp: Path, events: list[Synthetic]) -> Path:
        path = tmp / name
        write(path, events)
        return path

    return make


# id: (writer, detected format, timestamp precision, carries edits, carries ids)
VARIANTS: dict[str, tuple[Writer, str, timedelta, bool, bool]] = {
    "whatsapp-android-us": (
        _file("WhatsApp Chat with Team.txt", lambda p, e: fx.write_whatsapp(p, e, "android_us")),
        "whatsapp",
        timedelta(minutes=1),
        True,
        False,
    ),
    "whatsapp-android-eu": (
        _file("chat.txt", lambda p, e: fx.write_whatsapp(p, e, "android_eu")),
        "whatsapp",
        timedelta(minutes=1),
        True,
        False,
    ),
    "whatsapp-ios-crlf": (
        _file("_chat.txt", lambda p, e: fx.write_whatsapp(p, e, "ios")),
        "whatsapp",
        timedelta(seconds=1),
        True,
        False,
    ),
    "whatsapp-utf8-bom": (
        _file("bom.txt", lambda p, e: fx.write_whatsapp(p, e, "android_eu", "utf-8-sig")),
        "whatsapp",
        timedelta(minutes=1),
        True,
        False,
    ),
    "discord-json-indented": (
        _file("export.json", fx.write_discord_json),
        "discord_json",
        timedelta(milliseconds=1),
        True,
        True,
    ),
    "discord-json-minified": (
        _file("export.data", lambda p, e: fx.write_discord_json(p, e, indent=None)),
        "discord_json",
        timedelta(milliseconds=1),
        True,
        True,
    ),
    "discord-csv-iso": (
        _file("Acme - Eng - platform-team [1].csv", lambda p, e: fx.write_discord_csv(p, e)),
        "discord_csv",
        timedelta(milliseconds=1),
        False,
        True,
    ),
    "discord-csv-us-locale": (
        _file("us.csv", lambda p, e: fx.write_discord_csv(p, e, "us")),
        "discord_csv",
        timedelta(minutes=1),
        False,
        True,
    ),
    "discord-csv-gb-locale": (
        _file("gb.csv", lambda p, e: fx.write_discord_csv(p, e, "gb")),
        "discord_csv",
        timedelta(minutes=1),
        False,
        True,
    ),
    "discord-csv-legacy": (
        _file("legacy.txt", lambda p, e: fx.write_discord_csv(p, e, "legacy")),
        "discord_csv",
        timedelta(minutes=1),
        False,
        True,
    ),
    "slack-folder": (
        _file("slack-export", fx.write_slack),
        "slack",
        timedelta(seconds=1),
        True,
        True,
    ),
    "slack-zip": (
        _file("slack.zip", lambda p, e: fx.write_slack(p, e, as_zip=True)),
        "slack",
        timedelta(seconds=1),
        True,
        True,
    ),
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, list[ChatMessage], list[str]]:
    name = request.param
    path = VARIANTS[name][0](tmp_path_factory.mktemp(name), EVENTS)
    warnings: list[str] = []
    return name, path, list(read_export(path, warn=warnings.append)), warnings


def test_every_message_comes_back_once_in_time_order(exported) -> None:
    name, _, messages, warnings = exported
    assert len(messages) == N
    assert [m.timestamp for m in messages] == sorted(m.timestamp for m in messages)
    assert warnings == []
    assert {m.source for m in messages} == {VARIANTS[name][1]}


def test_format_is_detected_from_content(exported) -> None:
    name, path, _, _ = exported
    assert detect_format(path) == VARIANTS[name][1]


def test_text_authors_and_kinds_survive(exported) -> None:
    _, _, messages, _ = exported
    for ev, msg in zip(EVENTS, messages, strict=True):
        assert msg.is_system == (ev.kind == "system"), (ev, msg)
        if ev.kind == "system":
            continue
        assert msg.text == ev.text, (ev, msg)
        assert msg.author == ev.author.name
        assert msg.attachments == (1 if ev.kind == "media" else 0)
        assert msg.timestamp.utcoffset() == timedelta(0)


def test_timestamps_keep_the_precision_the_format_has(exported) -> None:
    name, _, messages, _ = exported
    precision = VARIANTS[name][2]
    for ev, msg in zip(EVENTS, messages, strict=True):
        assert abs(ev.when - msg.timestamp) < precision, (ev, msg)


def test_author_ids_are_stable_per_member(exported) -> None:
    name, _, messages, _ = exported
    has_ids = VARIANTS[name][4]
    for ev, msg in zip(EVENTS, messages, strict=True):
        if msg.is_system:
            continue
        if has_ids:
            assert msg.author_id in (ev.author.discord_id, ev.author.slack_id)
        else:
            assert msg.author_id == derive_author_id(ev.author.name)


def test_edits_are_kept_where_the_format_records_them(exported) -> None:
    name, _, messages, _ = exported
    if not VARIANTS[name][3]:
        pytest.skip("this format does not record edits")
    assert [m.edited for m in messages] == [ev.edited for ev in EVENTS]
    assert any(m.edited for m in messages)


def test_mentions_resolve_to_the_mentioned_member(exported) -> None:
    _, _, messages, _ = exported
    seen: set[str] = set()
    checked = 0
    for ev, msg in zip(EVENTS, messages, strict=True):
        if ev.mention is not None and ev.mention.name in seen:
            ids = {ev.mention.discord_id, ev.mention.slack_id, derive_author_id(ev.mention.name)}
            assert set(msg.mentions) & ids, (ev, msg)
            checked += 1
        if ev.kind != "system":
            seen.add(ev.author.name)
    assert checked > 10


def test_line_numbers_point_at_the_message(exported) -> None:
    name, path, messages, _ = exported
    if path.is_dir() or path.suffix == ".zip":
        assert all(m.origin.endswith(".json") and m.line >= 1 for m in messages)
        return
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for msg in messages[:300]:
        if msg.text and not msg.is_system:
            first = msg.text.splitlines()[0]
            if name.startswith("discord-json"):
                window = "\n".join(lines[msg.line - 1 : msg.line + 1])
                assert lines[msg.line - 1].lstrip().startswith("{")
                assert f'"id": "{msg.message_id}"' in window
            else:
                assert first in lines[msg.line - 1], (msg, lines[msg.line - 1])


def test_discord_json_replies_link_to_message_ids(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    fx.write_discord_json(path, EVENTS)
    messages = list(read_export(path))
    by_id = {m.message_id: m for m in messages}
    replies = [(ev, m) for ev, m in zip(EVENTS, messages, strict=True) if ev.reply_to is not None]
    assert replies
    for ev, msg in replies:
        assert msg.reply_to_id is not None
        assert by_id[msg.reply_to_id].timestamp == EVENTS[ev.reply_to].when
