"""Format detection looks at content, not names, and unknown input fails clearly."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.scan import ExportFormatError, detect_format, merge_in_time_order, read_export
from bot.scan.model import ChatMessage

CONTENT = {
    "whatsapp-android": "31/12/2023, 21:41 - Alice: hi\n",
    "whatsapp-ios": "\u200e[31/12/2023, 21:41:05] Alice: hi\n",
    "whatsapp-after-blank-lines": "\n\n12/31/23, 9:41 PM - Alice: hi\n",
    "discord-json": '{\n  "guild": {"id": "1"},\n  "channel": {"name": "g"},\n  "messages": []\n}',
    "discord-csv": "AuthorID,Author,Date,Content,Attachments,Reactions\n",
    "discord-csv-bom": "\ufeffAuthorID,Author,Date,Content,Attachments,Reactions\n",
}
EXPECTED = {
    "whatsapp-android": "whatsapp",
    "whatsapp-ios": "whatsapp",
    "whatsapp-after-blank-lines": "whatsapp",
    "discord-json": "discord_json",
    "discord-csv": "discord_csv",
    "discord-csv-bom": "discord_csv",
}


@pytest.mark.parametrize("case", sorted(CONTENT))
@pytest.mark.parametrize("suffix", [".txt", ".json", ".csv", ""])
def test_format_comes_from_content_whatever_the_name(
    tmp_path: Path, case: str, suffix: str
) -> None:
    path = tmp_path / f"export{suffix}"
    path.write_text(CONTENT[case], encoding="utf-8")
    assert detect_format(path) == EXPECTED[case]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("hello\nworld\n", r"x\.txt:1: unknown export format; this line reads 'hello'"),
        ("\n\n[1, 2, 3]\n", r"x\.txt:3: unknown export format"),
        ("", r"x\.txt:1: unknown export format.*empty file"),
        ('{"name": "not discord"}', r"x\.txt:1: unknown export format"),
        ("Date,Name,Message\n", r"x\.txt:1: unknown export format"),
        ("31 December 2023 at 21:41 - Alice: hi\n", r"x\.txt:1: unknown export format"),
    ],
)
def test_unknown_content_is_refused_naming_the_line(
    tmp_path: Path, content: str, match: str
) -> None:
    path = tmp_path / "x.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportFormatError, match=match):
        read_export(path)


def test_binary_zip_folder_and_missing_inputs_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    with pytest.raises(ExportFormatError, match="binary"):
        detect_format(binary)
    archive = tmp_path / "stuff.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "hi")
    with pytest.raises(ExportFormatError, match="zip, but not a Slack export"):
        detect_format(archive)
    with pytest.raises(ExportFormatError, match="folder, but not a Slack export"):
        detect_format(tmp_path)
    with pytest.raises(ExportFormatError, match="no such file"):
        detect_format(tmp_path / "missing.txt")


def test_explicit_unknown_source_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("31/12/2023, 21:41 - Alice: hi\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="unknown format name 'telegram'"):
        read_export(path, source="telegram")


def _msg(minute: int, channel: str) -> ChatMessage:
    when = datetime(2024, 1, 1, 0, minute, tzinfo=UTC)
    return ChatMessage("x", str(minute), when, "A", "a", channel, "t")


def test_merge_in_time_order_interleaves_lazily() -> None:
    a = [_msg(1, "a"), _msg(4, "a"), _msg(5, "a")]
    b = (m for m in [_msg(2, "b"), _msg(3, "b"), _msg(6, "b")])
    merged = merge_in_time_order([a, b])
    assert [m.message_id for m in merged] == ["1", "2", "3", "4", "5", "6"]


def test_scan_package_imports_neither_discord_nor_aiosqlite() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bot.scan, bot.scan.fixtures;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'aiosqlite')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
