"""Slack exports: markup, subtypes, threads, folder and zip layouts, malformed day files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.scan import ExportFormatError, read_export
from bot.scan.formats.slack import parse_ts, render_text

USERS = {"U1": "Alice", "U2": "Bob"}


@pytest.mark.parametrize(
    ("raw", "text", "mentions"),
    [
        ("hi <@U1>", "hi @Alice", ("U1",)),
        ("<@U2|bob> and <@U9>", "@Bob and @U9", ("U2", "U9")),
        ("see <#C1|general>", "see #general", ()),
        ("<!here> deploy", "@here deploy", ()),
        ("<!subteam^S1|@oncall> help", "@oncall help", ()),
        ("<https://x.test|the doc>", "the doc (https://x.test)", ()),
        ("<https://x.test>", "https://x.test", ()),
        ("a &amp; b &lt;3 &gt;", "a & b <3 >", ()),
        ("fire 🔥 :fire:", "fire 🔥 :fire:", ()),
    ],
)
def test_slack_markup_becomes_text(raw: str, text: str, mentions: tuple[str, ...]) -> None:
    assert render_text(raw, USERS) == (text, mentions)


def test_slack_ts_keeps_microseconds() -> None:
    when = parse_ts("1704067200.000123")
    assert (when.isoformat(), when.microsecond) == ("2024-01-01T00:00:00.000123+00:00", 123)


def _msg(ts: str, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts, **extra}


def _export(root: Path, days: dict[str, list[dict[str, Any]]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    users = [{"id": u, "name": n.lower(), "profile": {"display_name": n}} for u, n in USERS.items()]
    (root / "users.json").write_text(json.dumps(users))
    channels = [{"id": "C1", "name": "general"}, {"id": "C2", "name": "random"}]
    (root / "channels.json").write_text(json.dumps(channels))
    for name, messages in days.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(json.dumps(messages, ensure_ascii=False), encoding="utf-8")


DAYS = {
    "general/2024-01-01.json": [
        _msg("1704067260.000100", "second in general"),
        _msg("1704067200.000100", "<@U1> has joined the channel", subtype="channel_join"),
    ],
    "general/2024-01-02.json": [
        _msg("1704153600.000100", "thread start"),
        _msg("1704153700.000100", "reply <@U1>", "U2", thread_ts="1704153600.000100"),
        _msg(
            "1704153800.000100",
            "deploy done",
            None,
            subtype="bot_message",
            bot_id="B1",
            username="deploybot",
        ),
        _msg("1704153900.000100", "", files=[{"id": "F1"}, {"id": "F2"}], edited={"ts": "1"}),
        _msg("1704154000.000100", "set the topic", subtype="channel_topic"),
    ],
    "random/2024-01-01.json": [_msg("1704067230.000100", "random, between", "U2")],
}


@pytest.mark.parametrize("layout", ["folder", "zip", "zip-with-top-folder"])
def test_slack_export_reads_merged_in_time_order(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "export"
    _export(root, DAYS)
    path = root
    if layout != "folder":
        path = tmp_path / "export.zip"
        prefix = "Acme Slack export/" if layout == "zip-with-top-folder" else ""
        with zipfile.ZipFile(path, "w") as z:
            for file in root.rglob("*.json"):
                z.write(file, prefix + file.relative_to(root).as_posix())
    got = list(read_export(path))
    assert [m.text for m in got] == [
        "@Alice has joined the channel",
        "random, between",
        "second in general",
        "thread start",
        "reply @Alice",
        "deploy done",
        "",
        "set the topic",
    ]
    assert [m.channel for m in got[:3]] == ["general", "random", "general"]
    assert [m.is_system for m in got] == [True, False, False, False, False, False, False, True]
    reply, bot, files = got[4], got[5], got[6]
    assert (reply.author, reply.author_id, reply.mentions) == ("Bob", "U2", ("U1",))
    assert reply.reply_to_id == "C1:1704153600.000100" == got[3].message_id
    assert (bot.author, bot.author_id, bot.is_bot) == ("deploybot", "B1", True)
    assert (files.attachments, files.edited) == (2, True)
    assert got[0].origin.endswith("general/2024-01-01.json") and got[0].line == 2


def test_slack_malformed_day_file_names_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "export"
    _export(root, {"general/2024-01-01.json": [_msg("1704067200.0001", "ok")]})
    (root / "general" / "2024-01-02.json").write_text('[\n  {"ts": "1",\n  oops\n]')
    with pytest.raises(ExportFormatError, match=r"general/2024-01-02\.json:3: invalid JSON"):
        list(read_export(root))


def test_slack_message_without_ts_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "export"
    _export(root, {"general/2024-01-01.json": [{"type": "message", "text": "x"}]})
    with pytest.raises(ExportFormatError, match="message 1 has no 'ts'"):
        list(read_export(root))


def test_slack_cp1252_day_file_warns(tmp_path: Path) -> None:
    root = tmp_path / "export"
    _export(root, {})
    (root / "general").mkdir()
    data = json.dumps([_msg("1704067200.0001", "café")], ensure_ascii=False).encode("cp1252")
    (root / "general" / "2024-01-01.json").write_bytes(data)
    warnings: list[str] = []
    assert [m.text for m in read_export(root, warn=warnings.append)] == ["café"]
    assert "2024-01-01.json" in warnings[0]
