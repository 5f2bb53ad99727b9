"""Suite-wide: compiled rules are cached in a temporary directory, never the user's cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _rules_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Set in os.environ (not monkeypatch, which is per test) so subprocesses inherit it too.
    directory = tmp_path_factory.mktemp("rules-cache")
    previous = os.environ.get("UPSTANDER_CACHE_DIR")
    os.environ["UPSTANDER_CACHE_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("UPSTANDER_CACHE_DIR", None)
    else:
        os.environ["UPSTANDER_CACHE_DIR"] = previous
