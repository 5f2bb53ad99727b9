"""Load a rules directory into a `RuleSet`, or a list of errors with file and line.

Loading never raises into the caller and never half-applies: any error means `ruleset is None`,
so the caller keeps running its last good rule set (see `bot/services/rules_live.py`). YAML is
read with ruamel's round-trip loader for line numbers; any tag (`!!python/object`, `!include`...)
is refused, so loading can never construct objects.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.engine import setproduct
from bot.engine.cache import RulesCache, cache_key, content_version
from bot.engine.compose import Composer
from bot.engine.compose_build import build_composer
from bot.engine.diagnostics import RuleError as RuleError  # re-exported: part of the API
from bot.engine.diagnostics import line_at as _line
from bot.engine.diagnostics import pattern_errors, syntax_error, validation_error
from bot.engine.lexicons import Lexicons
from bot.engine.matcher import Atom, Matcher, PatternError, compile_re2
from bot.engine.patterns import TermError, expand_braces, term_literal
from bot.engine.ruleset import CompiledNear, CompiledRule, RuleSet
from bot.engine.schema import Options, Rule, RuleFile
from bot.engine.verdict import Severity

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The compiled rule set (None if there was any error) and the errors found."""

    ruleset: RuleSet | None
    errors: tuple[RuleError, ...]
    cached: bool = False  # True when the rule set came from the on-disk cache, not compiled

    @property
    def ok(self) -> bool:
        """True when the rules loaded without error."""
        return self.ruleset is not None and not self.errors


def _plain(node: Any, file: str, depth: int = 0, seen: set[int] | None = None) -> Any:
    """Builtin types from a ruamel tree, refusing tags, odd types, absurd nesting and
    aliased lists or mappings (nested aliases expand exponentially: "billion laughs")."""
    if depth > MAX_DEPTH:
        raise _FileError(file, _line_of_node(node), f"nesting deeper than {MAX_DEPTH} levels")
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None:
        raise _FileError(file, _line_of_node(node), f"YAML tags are not allowed ({tag})")
    if isinstance(node, dict | list):
        seen = set() if seen is None else seen
        if id(node) in seen:
            message = "YAML aliases (*name) of lists or mappings are not allowed: use a termset"
            raise _FileError(file, _line_of_node(node), message)
        seen.add(id(node))
    if isinstance(node, dict):
        return {str(k): _plain(v, file, depth + 1, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, file, depth + 1, seen) for v in node]
    if isinstance(node, str):
        return str(node)
    if node is None or isinstance(node, bool | int | float):
        return node
    kind = type(node).__name__
    raise _FileError(file, _line_of_node(node), f"unsupported YAML value ({kind}): quote it")


def _line_of_node(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else 1


class _FileError(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.errors = [RuleError(file, line, message)]


@dataclass
class _Parsed:
    name: str
    tree: Any
    model: RuleFile


_QUOTED = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"")
_BRACKETS = re.compile(r"[\[\]{}]")


_BLOCK_LINE = re.compile(r"^( *)((?:- +)*)\S", re.M)


def _guard_nesting(name: str, text: str) -> None:
    """Refuse absurd nesting before the YAML parser recurses (or spends minutes) on it."""
    depth = 0
    unquoted = _QUOTED.sub("", text)  # quoted strings never span lines, so line numbers hold
    for match in _BRACKETS.finditer(unquoted):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = unquoted.count("\n", 0, match.start()) + 1
            raise _FileError(name, line, f"nesting deeper than {MAX_DEPTH} levels")
    # Block style: each deeper indentation opens a level, and so does each "- " on a line.
    indents: list[int] = []
    for match in _BLOCK_LINE.finditer(unquoted):
        indent = len(match.group(1))
        while indents and indents[-1] >= indent:
            indents.pop()
        indents.append(indent)
        if len(indents) + match.group(2).count("-") > MAX_DEPTH:
            line = unquoted.count("\n", 0, match.start()) + 1
            raise _FileError(name, line, f"nesting deeper than {MAX_DEPTH} levels")


def _safe_load(name: str, text: str) -> tuple[Any, Any]:
    """The round-trip tree (it knows lines) and its plain data; raises `_FileError`."""
    _guard_nesting(name, text)
    yaml = YAML(typ="rt", pure=True)
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        line, message = syntax_error(text, exc)
        raise _FileError(name, line, f"YAML syntax: {message}") from None
    except (YAMLError, RecursionError) as exc:
        raise _FileError(name, 1, f"YAML could not be read: {exc}") from None
    if tree is None:
        tree = CommentedMap()
    return tree, _plain(tree, name)


def safe_yaml(name: str, text: str) -> tuple[Any, Any] | RuleError:
    """Read a rules-directory YAML file as the rule loader does (no tags, no alias bombs, no
    absurd nesting): (round-trip tree, plain data), or the first error. Never raises."""
    try:
        return _safe_load(name, text)
    except _FileError as exc:
        return exc.errors[0]


def _read(name: str, text: str) -> _Parsed:
    tree, plain = _safe_load(name, text)
    if not isinstance(plain, dict):
        raise _FileError(name, 1, "a rule file must be a mapping (termsets:, rules:, options:)")
    try:
        model = RuleFile.model_validate(plain)
    except ValidationError as exc:
        failure = _FileError(name, 1, "invalid rule file")
        failure.errors = [validation_error(name, tree, plain, e) for e in exc.errors()]
        # Its bad patterns too, so that fixing the file takes one round, not two.
        failure.errors += pattern_errors(name, tree, plain)
        failure.errors.sort(key=lambda error: error.line)
        raise failure from None
    return _Parsed(name, tree, model)


_Where = Callable[[int], tuple[str, int]]  # an entry's number in a list -> (file, line)


class _Compiler:
    """Resolves term sets, builds the shared atom list, and collects errors."""

    def __init__(self) -> None:
        self.atoms: list[Atom] = []
        self.plain_atoms: set[int] = set()
        self.typo_atoms: set[int] = set()  # generated misspellings (`~`), never masked words
        self._atom_ids: dict[Atom, int] = {}
        self.errors: list[RuleError] = []
        self.termsets: dict[str, list[tuple[str, str | None]]] = {}
        self.gates: dict[int, tuple[str, ...]] = {}  # regex -> words its matches hold

    def atom(self, key: Atom) -> int:
        if key not in self._atom_ids:
            self._atom_ids[key] = len(self.atoms)
            self.atoms.append(key)
        return self._atom_ids[key]

    def terms(self, entries: list[str], where: _Where) -> dict[int, str | None]:
        """Atom ids (with tags) for a list of terms and @set references."""
        out: dict[int, str | None] = {}
        for number, entry in enumerate(entries):
            at = where(number)
            if setproduct.is_reference(entry):
                name = entry[1:]
                if name not in self.termsets:
                    self.errors.append(RuleError(*at, f"unknown term set '@{name}'"))
                    continue
                items = self.termsets[name]
            else:
                items = [(entry, None)]
            for term, tag in items:
                try:
                    if setproduct.names_sets(term):
                        variants = setproduct.expand(term, self.termsets)
                        plain = None
                    else:
                        variants = expand_braces(term)
                        plain = set(expand_braces(term.rstrip("~"))) if term.endswith("~") else None
                    for variant in variants:
                        atom = self.atom(term_literal(variant))
                        out.setdefault(atom, tag)
                        is_plain = plain is None or variant in plain
                        (self.plain_atoms if is_plain else self.typo_atoms).add(atom)
                except TermError as exc:
                    self.errors.append(RuleError(*at, str(exc)))
        return out

    def regexes(self, patterns: list[str], where: _Where) -> tuple[int, ...]:
        ids = []
        for number, pattern in enumerate(patterns):
            try:
                compile_re2(pattern)
            except PatternError as exc:
                self.errors.append(RuleError(*where(number), f"regex {pattern!r}: {exc}"))
                continue
            ids.append(self.atom(pattern))
        return tuple(ids)


def _iter_rules(parsed: list[_Parsed]) -> Iterator[tuple[_Parsed, int, Rule]]:
    for item in parsed:
        for index, rule in enumerate(item.model.rules):
            yield item, index, rule


def compile_files(files: Mapping[str, str], version: str | None = None) -> LoadResult:
    """Compile rule files given as {name: YAML text}. Never raises.

    `version` defaults to a digest of the names and texts (see `content_version`)."""
    errors: list[RuleError] = []
    parsed: list[_Parsed] = []
    for name, text in files.items():
        try:
            parsed.append(_read(name, text))
        except _FileError as exc:
            errors.extend(exc.errors)
    compiler = _Compiler()
    options: Options | None = None
    set_origin: dict[str, str] = {}
    for item in parsed:
        for set_name, value in item.model.termsets.items():
            line = _line(item.tree, ("termsets", set_name))
            if set_name in set_origin:
                errors.append(
                    RuleError(
                        item.name,
                        line,
                        f"term set '{set_name}' already defined in {set_origin[set_name]}",
                    )
                )
                continue
            set_origin[set_name] = f"{item.name}:{line}"
            if isinstance(value, dict):
                compiler.termsets[set_name] = [(t, tag) for tag, ts in value.items() for t in ts]
            else:
                compiler.termsets[set_name] = [(t, None) for t in value]
        if item.model.options is not None:
            if options is not None:
                line = _line(item.tree, ("options",))
                errors.append(RuleError(item.name, line, "options are defined in two files"))
            options = item.model.options
    compiled: list[CompiledRule] = []
    seen_ids: dict[str, str] = {}
    must_pass = tuple(
        (example.text, f"{item.name}:{_line(item.tree, ('must_pass', index))}")
        for item in parsed
        for index, example in enumerate(item.model.must_pass)
    )
    for item, index, rule in _iter_rules(parsed):
        line = _line(item.tree, ("rules", index))
        where = (item.name, line)
        if rule.id in seen_ids:
            errors.append(
                RuleError(*where, f"duplicate rule id '{rule.id}' (first at {seen_ids[rule.id]})")
            )
            continue
        seen_ids[rule.id] = f"{item.name}:{line}"
        if not rule.enabled:
            continue
        scopes = tuple(s for s in (item.model.scope, rule.scope) if s is not None)
        compiled.append(
            dataclasses.replace(
                _compile_rule(compiler, rule, where, _locator(item, index)), scopes=scopes
            )
        )
    composer = _compose(parsed, compiler, errors, seen_ids)
    errors.extend(compiler.errors)
    if errors:
        return LoadResult(None, tuple(errors))
    try:
        matcher = Matcher(
            compiler.atoms, compiler.typo_atoms - compiler.plain_atoms, compiler.gates
        )
    except Exception as exc:  # Hyperscan's own limits (size, memory): report, keep last good
        return LoadResult(None, (RuleError("<all>", 0, f"could not compile the rules: {exc}"),))
    ruleset = RuleSet(
        compiled,
        matcher,
        options or Options(),
        version or content_version(files),
        tuple(sorted(files)),
        must_pass=must_pass,
        composer=composer,
    )
    return LoadResult(ruleset, ())


def _compose(
    parsed: list[_Parsed], compiler: _Compiler, errors: list[RuleError], rule_ids: Mapping[str, str]
) -> Composer | None:
    """The compositional layer from the one file that holds a `compose:` section."""
    holders = [item for item in parsed if item.model.compose is not None]
    for extra in holders[1:]:
        line = _line(extra.tree, ("compose",))
        errors.append(RuleError(extra.name, line, "compose is defined in two files"))
    if not holders:
        return None
    item = holders[0]
    assert item.model.compose is not None

    def where(path: tuple[object, ...]) -> tuple[str, int]:
        return item.name, _line(item.tree, ("compose", *path))

    def terms(entries: list[str], path: tuple[object, ...]) -> dict[int, str | None]:
        return compiler.terms(entries, lambda number: where((*path, number)))

    def regexes(
        patterns: list[str], path: tuple[object, ...], gates: list[tuple[str, ...]]
    ) -> tuple[int, ...]:
        ids = compiler.regexes(patterns, lambda number: where(path))
        if len(ids) == len(patterns):  # else one failed to compile and is reported
            for atom, words in zip(ids, gates, strict=True):
                compiler.gates[atom] = words
        return ids

    composer, problems = build_composer(item.model.compose, terms, Lexicons(), regexes)
    errors.extend(RuleError(*where(path), message) for path, message in problems)
    for rule in composer.rules if composer is not None else ():
        if rule.id in rule_ids:
            at = where(("rules", int(rule.source)))
            errors.append(
                RuleError(*at, f"duplicate rule id '{rule.id}' (first at {rule_ids[rule.id]})")
            )
    if composer is None:
        return None
    sourced = tuple(
        replace(rule, source="{}:{}".format(*where(("rules", int(rule.source)))))
        for rule in composer.rules
    )
    return replace(composer, rules=sourced)


def _locator(item: _Parsed, index: int) -> Callable[..., _Where]:
    """For a rule: a function from a path inside it to the `_Where` of that list's entries."""

    def within(*path: Any) -> _Where:
        return lambda number: (item.name, _line(item.tree, ("rules", index, *path, number)))

    return within


def _compile_rule(
    compiler: _Compiler, rule: Rule, where: tuple[str, int], at: Callable[..., _Where]
) -> CompiledRule:
    near = tuple(
        CompiledNear(
            a=compiler.terms(clause.a, at("match", "near", number, "a")),
            b=compiler.terms(clause.b, at("match", "near", number, "b")),
            within=clause.within,
            a_first=clause.order == "a_first",
            a_then=(
                compiler.terms(clause.a_then.terms, at("match", "near", number, "a_then", "terms"))
                if clause.a_then
                else None
            ),
            a_then_within=clause.a_then.within if clause.a_then else 0,
        )
        for number, clause in enumerate(rule.match.near)
    )
    exception_near = tuple(
        CompiledNear(
            a=compiler.terms(clause.a, at("unless", "near", number, "a")),
            b=compiler.terms(clause.b, at("unless", "near", number, "b")),
            within=clause.within,
            a_first=clause.order == "a_first",
        )
        for number, clause in enumerate(rule.unless.near)
    )
    exception_terms = compiler.terms(rule.unless.terms, at("unless", "terms"))
    exceptions = tuple(exception_terms) + compiler.regexes(rule.unless.regex, at("unless", "regex"))
    compiled = CompiledRule(
        id=rule.id,
        category=rule.category,
        subcategory=rule.subcategory,
        severity=Severity.parse(rule.severity),
        nudge=rule.nudge.strip(),
        policy=rule.policy,
        checks=rule.context,
        terms=compiler.terms(rule.match.terms, at("match", "terms")),
        regexes=frozenset(compiler.regexes(rule.match.regex, at("match", "regex"))),
        near=near,
        exceptions=exceptions,
        exception_near=exception_near,
        source=f"{where[0]}:{where[1]}",
        flag_examples=tuple(rule.examples.flag),
        pass_examples=tuple(rule.examples.pass_),
    )
    if not (rule.match.terms or rule.match.regex or rule.match.near):
        compiler.errors.append(RuleError(*where, f"rule '{rule.id}' matches nothing"))
    return compiled


def rule_files(directory: Path) -> list[Path]:
    """The YAML files of a rules directory, in a stable order."""
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rules(directory: Path, cache: RulesCache | None = None) -> LoadResult:
    """Load every YAML file under `directory`, from `cache` when it holds them. Never raises.

    The version is the same for one directory however it is named (paths relative to it)."""
    if not directory.is_dir():
        hint = f"`upstander rules init {directory}` creates it with a copy of the built-in rules"
        return LoadResult(
            None, (RuleError(str(directory), 0, f"rules directory not found; {hint}"),)
        )
    texts: dict[str, str] = {}
    errors: list[RuleError] = []
    for path in rule_files(directory):
        name = str(path)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                errors.append(RuleError(name, 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
                continue
            texts[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(RuleError(name, 1, f"not UTF-8 text ({exc.reason})"))
        except OSError as exc:
            errors.append(RuleError(name, 1, f"cannot read: {exc.strerror}"))
    if not texts and not errors:
        errors.append(RuleError(str(directory), 0, "no rule files (*.yaml) found"))
    if errors:
        return LoadResult(None, tuple(errors) + compile_files(texts).errors)
    relative = {str(Path(name).relative_to(directory)): text for name, text in texts.items()}
    version = content_version(relative)
    key = cache_key(str(directory), relative) if cache is not None else ""
    if cache is not None and (ruleset := cache.load(key, version)) is not None:
        return LoadResult(ruleset, (), cached=True)
    result = compile_files(texts, version)
    if cache is not None and result.ruleset is not None and cache.save(key, result.ruleset):
        # Pickling read every object's `__dict__`, which leaves CPython's slow path for all
        # attribute reads of the compiled objects; the copy just written has none of that.
        ruleset = cache.load(key, version)
        if ruleset is not None:
            return LoadResult(ruleset, result.errors)
    return result
