"""Find and validate the `policy:` section of the rules directory, with file:line errors.

The policy lives in the rules directory under a top-level `policy:` key (by convention in
`rules/policy.yaml`); the rule loader reserves that key and ignores it, so both loaders read the
same directory without tripping over each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.engine.loader import MAX_FILE_BYTES, RuleError, safe_yaml
from bot.policy.config import PolicyConfig

POLICY_KEY = "policy"


@dataclass(frozen=True, slots=True)
class PolicyLoadResult:
    """The loaded policy (None when invalid) and its errors as 'file:line: message'."""

    config: PolicyConfig | None
    errors: list[str] = field(default_factory=list)
    source: str | None = None  # the file that held the policy, None for the built-in defaults

    @property
    def ok(self) -> bool:
        """True when the policy loaded without errors."""
        return self.config is not None and not self.errors


def load_policy(path: Path) -> PolicyLoadResult:
    """Load the policy from a rules directory (or one file); never raises."""
    files = _yaml_files(path) if path.is_dir() else [path]
    found: list[tuple[str, Any]] = []
    for file in files:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                return PolicyLoadResult(
                    None, [f"{file}:1: file is larger than {MAX_FILE_BYTES} bytes"]
                )
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return PolicyLoadResult(None, [f"{file}:1: cannot read: {exc}"])
        data, error = _parse(text, str(file))
        if error:
            # We cannot tell whether a broken file held the policy: refuse rather than guess.
            return PolicyLoadResult(None, [error])
        if isinstance(data, dict) and POLICY_KEY in data:
            found.append((str(file), data))
    if not found:
        return PolicyLoadResult(PolicyConfig())  # no policy section: the documented defaults
    if len(found) > 1:
        names = ", ".join(name for name, _ in found)
        return PolicyLoadResult(None, [f"{found[1][0]}:1: `policy:` is defined twice ({names})"])
    name, data = found[0]
    return _validate(data, name)


def parse_policy(text: str, source: str = "policy.yaml") -> PolicyLoadResult:
    """Validate YAML text holding a top-level `policy:` key; errors name `source:line`."""
    data, error = _parse(text, source)
    if error:
        return PolicyLoadResult(None, [error])
    if not isinstance(data, dict) or POLICY_KEY not in data:
        return PolicyLoadResult(None, [f"{source}:1: expected a top-level `policy:` key"])
    return _validate(data, source)


def _yaml_files(directory: Path) -> list[Path]:
    # The same files the rule loader reads, in the same order.
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _parse(text: str, source: str) -> tuple[Any, str | None]:
    # The rule loader's safe reading (tags, alias bombs and deep nesting refused with a line);
    # the round-trip tree keeps line numbers for validation errors.
    loaded = safe_yaml(source, text)
    if isinstance(loaded, RuleError):
        return None, str(loaded)
    return loaded[0], None


def _validate(data: Any, source: str) -> PolicyLoadResult:
    section = data[POLICY_KEY]
    if section is None:
        section = {}
    if not isinstance(section, dict):
        line = _line_of(data, [POLICY_KEY])
        return PolicyLoadResult(None, [f"{source}:{line}: policy: must be a mapping"])
    try:
        return PolicyLoadResult(PolicyConfig.model_validate(_plain(section)), source=source)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = [POLICY_KEY, *(p for p in err["loc"] if isinstance(p, str | int))]
            msg = err["msg"].removeprefix("Value error, ")
            errors.append(f"{source}:{_line_of(data, loc)}: {'.'.join(map(str, loc))}: {msg}")
        return PolicyLoadResult(None, errors)


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for pydantic."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _line_of(data: Any, loc: Sequence[str | int]) -> int:
    """1-based line of the deepest key in `loc` that exists in the YAML."""
    line = 1
    node = data
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and part in node:
            if lc is not None:
                line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            if lc is not None:
                line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line
