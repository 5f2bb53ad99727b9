"""Where the rules come from: `UPSTANDER_RULES`, else `./rules`, else the rules in the package.

The package carries the default rules (`bot/default_rules`, a link to the repository's
`rules/` that the wheel turns into a copy), so every command works from any directory after
`pip install`. `upstander rules init DIR` copies them out for editing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGED_RULES = Path(__file__).resolve().parent / "default_rules"


def default_rules_dir() -> Path:
    """`./rules` when it is a directory here, else the package's default rules."""
    local = Path("rules")
    return local if local.is_dir() else PACKAGED_RULES


def is_packaged(directory: Path) -> bool:
    """True if `directory` is the package's own copy of the default rules."""
    try:
        return directory.resolve() == PACKAGED_RULES.resolve()
    except OSError:
        return False


def describe(directory: Path) -> str:
    """The directory as an admin should read it: a path, and whether it is the built-in set."""
    if is_packaged(directory) and directory != Path("rules"):
        return f"built-in defaults ({directory})"
    return str(directory)


INIT_HINT = "to edit the built-in rules: `upstander rules init DIR`, then UPSTANDER_RULES=DIR"


def copy_defaults(destination: Path) -> list[Path]:
    """Copy the default rules (and their README and schema) into a new or empty directory.

    Returns the files written. Raises FileExistsError rather than overwrite an admin's rules.
    """
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"{destination} is not empty")
    written = []
    for source in sorted(PACKAGED_RULES.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        target = destination / source.relative_to(PACKAGED_RULES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written


def default_cache_dir() -> Path:
    """The platform's cache directory for Upstander (XDG on Linux, Library/Caches on macOS)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "upstander"
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "upstander"
