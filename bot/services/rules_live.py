"""Hot reload of the rules directory, keeping the last good rules when a change is broken.

The engine's rules and the escalation policy live in the same directory; both are reloaded
together and swapped in only when both load without error, so a half-good change never runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.engine import RuleSet, load_rules
from bot.engine.cache import RulesCache
from bot.engine.examples import failing_must_pass, run_examples
from bot.engine.loader import rule_files
from bot.policy import PolicyConfig, load_policy
from bot.store.base import AuditLog
from bot.store.clock import utc_now

log = logging.getLogger(__name__)


class RulesUnavailableError(Exception):
    """No good rules have ever loaded: the bot cannot judge messages."""


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """The result of one reload: `ok` False means the last good rules are still running."""

    ok: bool
    version: str
    errors: tuple[str, ...] = ()
    changed: bool = True


@dataclass(frozen=True, slots=True)
class _Loaded:
    ruleset: RuleSet | None
    policy: PolicyConfig | None
    errors: tuple[str, ...]
    fingerprint: str


@dataclass
class RulesStatus:
    """What `/upstander rules status` shows."""

    version: str
    rules: int
    loaded_at: datetime | None
    directory: str
    errors: tuple[str, ...] = field(default=())


def fingerprint(directory: Path) -> str:
    """A digest of every rule file's name and content: equal digests mean nothing changed."""
    digest = hashlib.sha256()
    if not directory.is_dir():
        return "missing"
    for path in rule_files(directory):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<unreadable>"
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def _load(
    directory: Path, cache: RulesCache | None = None, current: RuleSet | None = None
) -> _Loaded:
    # Fingerprint first: if a file changes while we compile, the next poll sees a new digest.
    mark = fingerprint(directory)
    rules = load_rules(directory, cache)
    policy = load_policy(directory)
    errors = tuple(str(e) for e in rules.errors) + tuple(policy.errors)
    if rules.ruleset is not None and not errors:
        # A rule whose own examples fail is as broken as a schema error: refused alike.
        _ran, failures = run_examples(rules.ruleset)
        errors = tuple(f"{f} (a failing example)" for f in failures)
        errors += _must_pass_regressions(rules.ruleset, current)
    return _Loaded(rules.ruleset, policy.config, errors, mark)


def _must_pass_regressions(new: RuleSet, current: RuleSet | None) -> tuple[str, ...]:
    """Local must-pass examples the rules in force pass and the new rules would flag.

    An upheld false positive the rules still flag only fails `rules test` (an admin's to-do);
    a change that starts flagging one the rules already pass is refused like a failing example.
    """
    if current is None:
        return ()
    return tuple(
        f"{error} (a must-pass example that passes today)"
        for text, error in failing_must_pass(new)
        if not current.evaluate(text).flagged
    )


class LiveRules:
    """The rules and policy in force, reloaded when the directory changes."""

    def __init__(self, directory: Path, cache: RulesCache | None = None) -> None:
        """Watch `directory` (compiled rules kept in `cache`); call `load_initial()` first."""
        self.directory = directory
        self.cache = cache
        self._ruleset: RuleSet | None = None
        self._policy: PolicyConfig | None = None
        self._fingerprint = ""
        self.loaded_at: datetime | None = None
        self.last_errors: tuple[str, ...] = ()
        self.audit: AuditLog | None = None
        self._lock = asyncio.Lock()

    @property
    def ruleset(self) -> RuleSet:
        """The rule set in force."""
        if self._ruleset is None:
            raise RulesUnavailableError(f"no rules loaded from {self.directory}")
        return self._ruleset

    @property
    def policy(self) -> PolicyConfig:
        """The escalation policy in force."""
        if self._policy is None:
            raise RulesUnavailableError(f"no policy loaded from {self.directory}")
        return self._policy

    @property
    def version(self) -> str:
        """The version (content digest) of the rules in force."""
        return self._ruleset.version if self._ruleset is not None else ""

    def status(self) -> RulesStatus:
        """Version, size, load time and the errors of the last failed reload."""
        count = len(self._ruleset) if self._ruleset is not None else 0
        return RulesStatus(
            self.version, count, self.loaded_at, str(self.directory), self.last_errors
        )

    def load_initial(self) -> tuple[str, ...]:
        """Load synchronously at start-up; returns the errors (empty: the rules are in force)."""
        loaded = _load(self.directory, self.cache)
        self._apply(loaded)
        return loaded.errors

    def _apply(self, loaded: _Loaded) -> bool:
        self._fingerprint = loaded.fingerprint
        if loaded.errors or loaded.ruleset is None or loaded.policy is None:
            self.last_errors = loaded.errors or ("rules could not be loaded",)
            return False
        self._ruleset, self._policy = loaded.ruleset, loaded.policy
        self.loaded_at = utc_now()
        self.last_errors = ()
        return True

    async def check(self, *, force: bool = False, actor: str = "system:rules") -> ReloadReport:
        """Reload if the files changed (or `force`) and audit it; never raises on bad rules."""
        async with self._lock:
            if not force and fingerprint(self.directory) == self._fingerprint:
                return ReloadReport(True, self.version, self.last_errors, changed=False)
            # Compiling a large rule set can take a while: keep the event loop free.
            loaded = await asyncio.to_thread(_load, self.directory, self.cache, self._ruleset)
            previous = self.version
            ok = self._apply(loaded)
            report = ReloadReport(ok, self.version, loaded.errors)
            if ok:
                log.info("rules reloaded: version %s (was %s)", self.version, previous)
            else:
                log.warning(
                    "rules change refused, keeping version %s:\n  %s",
                    self.version,
                    "\n  ".join(loaded.errors),
                )
            if self.audit is not None:
                await self.audit.record(
                    actor,
                    "rules.reload" if ok else "rules.reload_failed",
                    "rules",
                    {
                        "version": self.version,
                        "previous": previous,
                        "errors": list(loaded.errors[:50]),
                    },
                )
            return report
