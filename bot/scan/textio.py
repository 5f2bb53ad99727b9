"""Decoding export files that are not always UTF-8.

Exports are meant to be UTF-8, but a file that went through Excel or an old Windows tool is
often cp1252. We decode UTF-8 (a BOM is dropped) and, for any byte sequence that is not valid
UTF-8, fall back to cp1252 (latin-1 for the five bytes cp1252 leaves undefined), so a file is
never refused for its encoding. The fallback is per sequence rather than per file because it
streams: nothing has to be read twice, and ASCII decodes the same either way.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Generator
from pathlib import Path
from typing import TextIO

from bot.scan.model import WarnFn

_handler_ids = itertools.count()

_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_legacy(data: bytes) -> str:
    """Decode bytes as cp1252, using latin-1 for the bytes cp1252 leaves undefined."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in data)


def _plain_fallback(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return decode_legacy(bytes(err.object[err.start : err.end])), err.end


_PLAIN_FALLBACK = "upstander-scan-cp1252"
codecs.register_error(_PLAIN_FALLBACK, _plain_fallback)


class TextSource:
    """An export file opened as text, remembering whether it had to leave UTF-8 behind."""

    def __init__(self, path: Path, warn: WarnFn) -> None:
        self.path = path
        self.warn = warn
        self.fell_back = False
        self._warned = False
        # Error handlers are registered by name, globally; one name per source keeps the
        # "did this file need the fallback" flag exact even when readers are interleaved.
        self._errors = f"upstander-scan-fallback-{next(_handler_ids)}"
        codecs.register_error(self._errors, self._fallback)
        with path.open("rb") as raw:
            head = raw.read(4)
        self.encoding = "utf-16" if head.startswith(_BOMS_UTF16) else "utf-8-sig"

    def _fallback(self, err: UnicodeError) -> tuple[str, int]:
        if not isinstance(err, UnicodeDecodeError):
            raise err
        self.fell_back = True
        return decode_legacy(bytes(err.object[err.start : err.end])), err.end

    def open(self) -> TextIO:
        """Open for reading; newlines are left as written so CSV quoting stays intact."""
        return self.path.open(encoding=self.encoding, errors=self._errors, newline="")

    def head(self, size: int = 65536) -> str:
        """The first `size` characters, for format detection (no warning is emitted)."""
        with self.open() as f:
            return f.read(size)

    def lines(self) -> Generator[tuple[int, str], None, None]:
        """(line number, line with its ending) pairs, decoded line by line.

        Decoding per line lets the warning name the exact first line that is not UTF-8.
        """
        if self.encoding != "utf-8-sig":
            with self.open() as f:
                yield from enumerate(f, 1)
            return
        with self.path.open("rb") as f:
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.fell_back = True
                    self.note(f"line {lineno}")
                    line = raw.decode("utf-8", errors=_PLAIN_FALLBACK)
                if lineno == 1:
                    line = line.removeprefix("\ufeff")
                yield lineno, line

    def note(self, where: str) -> None:
        """Warn once, saying where, if decoding has fallen back to cp1252 so far."""
        if self.fell_back and not self._warned:
            self._warned = True
            self.warn(f"{self.path}: not valid UTF-8 ({where}); undecodable bytes read as cp1252")


def decode_bytes(data: bytes, name: str, warn: WarnFn) -> str:
    """Decode a whole small file held in memory (Slack day files) with the same fallback."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warn(f"{name}: not valid UTF-8 (first at line {line}); undecodable bytes read as cp1252")
    return data.decode("utf-8", errors=_PLAIN_FALLBACK)
