"""Compiled rule sets kept on disk, so a command or a restart does not compile the rules again.

Compiling the shipped rules takes seconds (YAML, schema, Hyperscan); loading the compiled rule
set takes a fraction of one. An entry is found by a key made of the rules' content (every file,
by its path relative to the rules directory), the directory as it was named (rule sources in
messages carry it), and the engine's version: a digest of every source file of `bot/engine`
and of the versions of Python, Hyperscan and RE2. Any change to the rules or to the engine's
code therefore misses, and is compiled afresh; nothing is ever patched up.

The whole `RuleSet` is pickled, so structures added to it later are cached without change
here; Hyperscan databases go through `hyperscan.dumpb`/`loadb` and RE2 objects are compiled
again from their pattern. A rule set that cannot be pickled is simply not cached.

An entry is trusted only if its file is the current user's and not writable by others, its
header is right and its checksum matches; anything else (a torn write, a corrupt file, a
different machine's Hyperscan) is treated as a miss and rebuilt. Files are written to a
temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import hyperscan
import re2

from bot.engine import context
from bot.engine.ruleset import RuleSet

log = logging.getLogger(__name__)

MAGIC = b"upstander-rules-cache/1\n"
_DIGEST_SIZE = 32
KEEP_ENTRIES = 6  # newest entries kept per cache directory (each a few MB)
_STALE_TEMP_SECONDS = 3600.0
ENGINE_DIR = Path(__file__).resolve().parent


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


@lru_cache(maxsize=1)
def engine_version() -> str:
    """A digest that changes whenever any file of `bot/engine` or a matching library changes."""
    digest = hashlib.sha256()
    for path in sorted(ENGINE_DIR.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue  # data files count too (word lists...), byte code does not
        digest.update(str(path.relative_to(ENGINE_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for part in (
        sys.version,
        platform.machine(),
        _package_version("hyperscan"),
        _package_version("google-re2"),
        _package_version("wordninja"),  # its word list decides which misspellings are compiled
        _package_version("vaderSentiment"),  # the compositional layer's lexicons
        _package_version("empath"),
        str(pickle.HIGHEST_PROTOCOL),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def content_version(texts: Mapping[str, str]) -> str:
    """The rules' version: a digest of each file's path (relative) and content, 12 hex digits.

    `texts` maps relative paths to file text, so one directory has one version whatever it
    is called (`rules`, `./rules`, `/srv/rules`) and whichever command loads it.
    """
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8", "replace") + b"\0")
    return digest.hexdigest()[:12]


def cache_key(directory: str, texts: Mapping[str, str]) -> str:
    """The key of a compiled rule set: the rules' content, the directory's name, the engine."""
    digest = hashlib.sha256()
    digest.update(engine_version().encode() + b"\0" + directory.encode() + b"\0")
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8", "replace") + b"\0")
    return digest.hexdigest()[:40]


def _load_database(blob: bytes, mode: int) -> hyperscan.Database:
    database = hyperscan.loadb(blob, mode)
    database.scratch = hyperscan.Scratch(database)  # loadb gives none; scans need one
    return database


def _compile_re2(pattern: Any, options: dict[str, Any]) -> Any:
    compiled = re2.Options()
    for name, value in options.items():
        setattr(compiled, name, value)
    return re2.compile(pattern, compiled)


def _blank(cls: Any) -> Any:
    return cls.__new__(cls)


def _set_attributes(obj: Any, state: dict[str, Any]) -> None:
    # `object.__setattr__` interns each name, as attribute names in code are: pickle's own
    # `__dict__.update` leaves them equal but not identical, which makes every attribute
    # read in the engine take CPython's slow path (about 6% more instructions per message).
    for name, value in state.items():
        object.__setattr__(obj, name, value)


def _plain_engine_object(obj: Any) -> bool:
    """An instance of a class of ours that pickle would rebuild from its `__dict__`."""
    cls: Any = type(obj)
    return (
        cls.__module__.startswith("bot.")
        and isinstance(getattr(obj, "__dict__", None), dict)
        and not isinstance(obj, Enum)
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and cls.__getstate__ is object.__getstate__
        and not hasattr(cls, "__setstate__")
    )


class _Pickler(pickle.Pickler):
    """Pickles a rule set, with the two kinds of compiled object the engine uses."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, hyperscan.Database):
            return _load_database, (hyperscan.dumpb(obj), obj.mode)
        if isinstance(obj, re2._Regexp):
            options = {name: getattr(obj.options, name) for name in re2.Options.NAMES}
            return _compile_re2, (obj.pattern, options)
        if _plain_engine_object(obj):
            return _blank, (type(obj),), dict(obj.__dict__), None, None, _set_attributes
        return NotImplemented


def _trusted(path: Path) -> bool:
    """Only a file of ours that nobody else can write may be unpickled."""
    if not hasattr(os, "getuid"):
        return True
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


class RulesCache:
    """Compiled rule sets in one directory, one file per key."""

    def __init__(self, directory: Path) -> None:
        """Use `directory` (created on the first write)."""
        self.directory = directory

    def path(self, key: str) -> Path:
        """The file an entry is kept in."""
        return self.directory / f"rules-{key}.cache"

    def load(self, key: str, version: str) -> RuleSet | None:
        """The cached rule set for `key`, or None on a miss or any problem with the entry."""
        path = self.path(key)
        try:
            if not _trusted(path):
                log.warning("rules cache: ignoring %s (not ours, or writable by others)", path)
                return None
            data = path.read_bytes()
        except OSError:
            return None
        header = len(MAGIC) + _DIGEST_SIZE
        if len(data) < header or not data.startswith(MAGIC):
            log.warning("rules cache: %s is not a cache file; rebuilding", path)
            return None
        payload = data[header:]
        if hashlib.sha256(payload).digest() != data[len(MAGIC) : header]:
            log.warning("rules cache: %s is corrupt; rebuilding", path)
            return None
        try:
            ruleset = pickle.loads(payload)
        except Exception as exc:  # any failure to rebuild the objects is a miss
            log.warning("rules cache: %s could not be loaded (%s); rebuilding", path, exc)
            return None
        if not isinstance(ruleset, RuleSet) or ruleset.version != version:
            log.warning("rules cache: %s holds other rules; rebuilding", path)
            return None
        context.prepare()  # module-level, as `RuleSet.__init__` does when it compiles
        with contextlib.suppress(OSError):
            os.utime(path)  # pruning keeps the most recently used entries
        return ruleset

    def save(self, key: str, ruleset: RuleSet) -> bool:
        """Write the entry atomically; False (and a log line) if it cannot be cached."""
        try:
            buffer = io.BytesIO()
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(ruleset)
        except Exception as exc:  # a structure pickle cannot handle: run uncached
            log.warning("rules cache: this rule set cannot be cached (%s)", exc)
            return False
        payload = buffer.getvalue()
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
                os.replace(temporary, self.path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("rules cache: cannot write to %s (%s)", self.directory, exc)
            return False
        self._prune(keep=self.path(key))
        return True

    def _prune(self, keep: Path) -> None:
        """Remove all but the newest entries, and temporary files left by a crash."""
        try:
            entries = sorted(self.directory.glob("rules-*.cache"), key=lambda p: p.stat().st_mtime)
            for path in entries[:-KEEP_ENTRIES]:
                if path != keep:
                    path.unlink(missing_ok=True)
            for path in self.directory.glob(".tmp-*"):
                if time.time() - path.stat().st_mtime > _STALE_TEMP_SECONDS:
                    path.unlink(missing_ok=True)
        except OSError:
            pass  # another process pruned first
