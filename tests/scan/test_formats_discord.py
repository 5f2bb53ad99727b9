"""DiscordChatExporter JSON and CSV: hand-written cases and malformed files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.scan import ExportFormatError, read_export
from bot.scan.formats import discord_json


def _author(uid: str, name: str, nickname: str | None = None, bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "name": name, "nickname": nickname, "isBot": bot}


def _message(mid: str, content: str, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "id": mid,
        "type": "Default",
        "timestamp": "2024-03-01T10:00:00.123+01:00",
        "timestampEdited": None,
        "content": content,
        "author": _author("1", "alice", "Alice"),
        "attachments": [],
        "mentions": [],
    }
    msg.update(extra)
    return msg


def _export(messages: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {
        "guild": {"id": "9", "name": "Acme"},
        "channel": {"id": "8", "name": "general", "category": "Text"},
        **header,
        "messages": messages,
        "messageCount": len(messages),
    }


def _write(tmp_path: Path, data: Any, name: str = "export.json", indent: int | None = 2) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def test_discord_json_fields(tmp_path: Path) -> None:
    messages = [
        _message("10", "hi <:wave:123> 👋"),
        _message("11", "", type="GuildMemberJoin", author=_author("2", "bob")),
        _message(
            "12",
            "@Alice yes",
            type="Reply",
            reference={"messageId": "10", "channelId": "8"},
            mentions=[_author("1", "alice")],
            author=_author("2", "bob"),
            timestampEdited="2024-03-01T10:05:00+01:00",
        ),
        _message("13", "", attachments=[{"id": "a", "url": "u"}, {"id": "b", "url": "v"}]),
        _message("14", "Build passed", author=_author("3", "ci", bot=True)),
        _message("15", "Pinned a message.", type="ChannelPinnedMessage"),
    ]
    got = list(read_export(_write(tmp_path, _export(messages))))
    assert [m.message_id for m in got] == ["10", "11", "12", "13", "14", "15"]
    first = got[0]
    assert first.timestamp == datetime(2024, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert (first.author, first.author_id, first.channel, first.text) == (
        "Alice",
        "1",
        "general",
        "hi <:wave:123> 👋",
    )
    assert [m.is_system for m in got] == [False, True, False, False, False, True]
    assert got[1].author == "bob"  # no nickname: the user name
    assert (got[2].reply_to_id, got[2].mentions, got[2].edited) == ("10", ("1",), True)
    assert got[3].attachments == 2
    assert got[4].is_bot


def test_discord_json_message_larger_than_the_read_buffer(tmp_path: Path) -> None:
    big = "word " * 600_000  # 3 MB: spans several 1 MiB reads
    got = list(read_export(_write(tmp_path, _export([_message("1", big), _message("2", "x")]))))
    assert [len(m.text) for m in got] == [len(big), 1]


def test_discord_json_with_bom_and_no_indentation(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    text = json.dumps(_export([_message("1", "a"), _message("2", "b")]))
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert [m.text for m in read_export(path)] == ["a", "b"]


def test_discord_json_line_numbers_count_from_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, _export([_message(str(i), f"m{i}") for i in range(50)]))
    lines = path.read_text(encoding="utf-8").splitlines()
    for msg in read_export(path):
        assert lines[msg.line - 1].strip() == "{"
        assert lines[msg.line].strip() == f'"id": "{msg.message_id}",'


STAMP = '"timestamp": "2024-03-01T10:00:00.123+01:00"'


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("truncated", "invalid JSON"),
        ("bare-word", "invalid JSON"),
        ("no-timestamp", "timestamp"),
        ("bad-timestamp", "soon"),
    ],
)
def test_discord_json_malformed_names_the_line(tmp_path: Path, case: str, reason: str) -> None:
    text = json.dumps(_export([_message(str(i), f"m{i}") for i in range(10)]), indent=2)
    first_message = _line_of(text, '"id": "0"') - 1
    if case == "truncated":
        text = text[: text.index('"m7"')]
        line = text.count("\n") + 1
    elif case == "bare-word":
        text = text.replace('"content": "m3"', '"content": m3')
        line = _line_of(text, '"content": m3')
    elif case == "no-timestamp":
        text, line = text.replace(STAMP + ",", "", 1), first_message
    else:
        text, line = text.replace(STAMP, '"timestamp": "soon"', 1), first_message
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExportFormatError, match=rf"bad\.json:{line}: .*{reason}"):
        list(read_export(path, source="discord_json"))


def test_discord_json_without_messages_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, {"guild": {}, "channel": {"name": "x"}, "messages": 3})
    with pytest.raises(ExportFormatError, match="messages"):
        list(read_export(path))


def test_discord_json_cp1252_bytes_warn(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    text = json.dumps(_export([_message("1", "café")]), ensure_ascii=False)
    path.write_bytes(text.encode("cp1252"))
    warnings: list[str] = []
    assert [m.text for m in read_export(path, warn=warnings.append)] == ["café"]
    assert warnings and "cp1252" in warnings[0]


def test_discord_json_sniff_needs_its_keys() -> None:
    assert discord_json.sniff('{\n  "guild": {"id": "1"},\n  "messages": [')
    assert not discord_json.sniff('{"name": "x", "messages": []}')


# --- CSV ------------------------------------------------------------------------------------

CSV_HEADER = "AuthorID,Author,Date,Content,Attachments,Reactions\n"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2024-03-01T10:00:00.000+01:00", datetime(2024, 3, 1, 9, 0, tzinfo=UTC)),
        ("01-Mar-24 10:00 PM", datetime(2024, 3, 1, 22, 0, tzinfo=UTC)),
        ("3/13/2024 10:00 AM", datetime(2024, 3, 13, 10, 0, tzinfo=UTC)),
        ("13/03/2024 10:00", datetime(2024, 3, 13, 10, 0, tzinfo=UTC)),
        ("13.03.2024 10:00", datetime(2024, 3, 13, 10, 0, tzinfo=UTC)),
    ],
)
def test_discord_csv_date_styles(tmp_path: Path, date: str, expected: datetime) -> None:
    path = tmp_path / "e.csv"
    path.write_text(CSV_HEADER + f'"1","Alice","{date}","hi","",""\n', encoding="utf-8")
    [msg] = read_export(path)
    assert msg.timestamp == expected


def test_discord_csv_multiline_quotes_system_and_attachments(tmp_path: Path) -> None:
    path = tmp_path / "Acme - Text Channels - general [123].csv"
    path.write_text(
        CSV_HEADER
        + '"1","Alice#0001","2024-03-01T10:00:00+00:00","line one\nline ""two""\n\nfour","",""\n'
        + '"2","Bob","2024-03-01T10:01:00+00:00","Joined the server.","",""\n'
        + '"2","Bob","2024-03-01T10:02:00+00:00","","https://a/1.png,https://a/2.png","👍 (1)"\n'
        + '"3","Zoë","2024-03-01T10:03:00+00:00","@Alice#0001 ping 🎉","",""\n',
        encoding="utf-8",
    )
    got = list(read_export(path))
    assert [m.line for m in got] == [2, 6, 7, 8]
    assert got[0].text == 'line one\nline "two"\n\nfour'
    assert [m.is_system for m in got] == [False, True, False, False]
    assert got[2].attachments == 2
    assert got[3].mentions == ("1",)
    assert {m.channel for m in got} == {"general"}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ('"1","Alice","2024-03-01T10:00:00+00:00","hi",""\n', "expected 6 columns"),
        ('"1","Alice","yesterday","hi","",""\n', "bad date"),
    ],
)
def test_discord_csv_malformed_row_names_its_line(tmp_path: Path, row: str, reason: str) -> None:
    path = tmp_path / "e.csv"
    ok = '"1","Alice","2024-03-01T10:00:00+00:00","a\nb","",""\n'
    path.write_text(CSV_HEADER + ok + row, encoding="utf-8")
    with pytest.raises(ExportFormatError, match=rf"e\.csv:4: {reason}"):
        list(read_export(path))
