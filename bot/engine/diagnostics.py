"""How problems in rule files are described to an admin: the line to look at, and words.

`rules lint` is read by people fixing a file, so a message points at the line to change (not
where the parser happened to notice), counts rules and list items from one, and names the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from bot.engine.matcher import PatternError, compile_re2
from bot.engine.patterns import TermError, expand_braces, term_literal


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem in the rule files, fit to show an admin."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # about a directory or the whole set, not a line of a file
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


def line_at(node: Any, path: tuple[Any, ...]) -> int:
    """1-based line of the deepest element of `path` that exists in the YAML tree."""
    line = 1
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


_UNCLOSED = {
    "while parsing a flow sequence": "this '[' list is not closed",
    "while parsing a flow mapping": "this '{' mapping is not closed",
    "while scanning a quoted scalar": "this quoted text is not closed",
    "while scanning a simple key": "this line has no ':' after its key",
}


def syntax_error(text: str, exc: MarkedYAMLError) -> tuple[int, str]:
    """The line an admin should look at, and what is wrong there.

    The parser notices most mistakes at the next token, often on the next line: an unclosed
    `[` or quote is reported where it was opened, and a line the parser read on into (no `:`
    after its key) rather than the line after it.
    """
    problem, context = exc.problem_mark, exc.context_mark
    found = f"{exc.problem}" if exc.problem else str(exc.context or "unreadable")
    if problem is None:
        return (context.line + 1 if context is not None else 1), found
    line = problem.line + 1
    opened = _UNCLOSED.get(str(exc.context))
    if opened and context is not None:
        return context.line + 1, f"{opened} ({found} at line {line})"
    if exc.problem == "mapping values are not allowed here":
        lines = text.splitlines()
        before = [n for n in range(problem.line - 1, -1, -1) if lines[n].strip()]
        if before and ":" not in lines[before[0]] and lines[before[0]].lstrip() != "-":
            return before[0] + 1, f"a line without ':' after its key ({found} at line {line})"
        return line, f"{found}: quote a value that holds ': '"
    return line, found


def _where(plain: Any, location: tuple[Any, ...]) -> str:
    """A location as an admin counts: `rule 2 (disc.slur), match.terms item 3`."""
    parts: list[str] = []
    rest = list(location)
    if len(rest) >= 2 and rest[0] == "rules" and isinstance(rest[1], int):
        index = rest[1]
        rules = plain.get("rules") if isinstance(plain, dict) else None
        rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        parts.append(f"rule {index + 1}" + (f" ({rule_id})" if isinstance(rule_id, str) else ""))
        rest = rest[2:]
    path = ""
    for part in rest:
        if isinstance(part, int):
            path += f" item {part + 1}"
        else:
            path += ("." if path else "") + str(part)
    if path:
        parts.append(path.strip())
    return ", ".join(parts)


def validation_error(name: str, tree: Any, plain: Any, error: Any) -> RuleError:
    location = tuple(error["loc"])
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = f"unknown key '{location[-1]}'"
        where = _where(plain, location[:-1])
    elif error["type"] == "missing":
        message = f"'{location[-1]}' is required"
        where = _where(plain, location[:-1])
    else:
        where = _where(plain, location)
    return RuleError(name, line_at(tree, location), f"{where}: {message}" if where else message)


def pattern_errors(name: str, tree: Any, plain: Any) -> list[RuleError]:
    """Term and regex syntax errors in a file that failed validation (never compiled)."""
    rules = plain.get("rules") if isinstance(plain, dict) else None
    errors: list[RuleError] = []
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        for section in ("match", "unless"):
            body = rule.get(section)
            if not isinstance(body, dict):
                continue
            for key in ("terms", "regex"):
                entries = body.get(key)
                for number, entry in enumerate(entries if isinstance(entries, list) else []):
                    path = ("rules", index, section, key, number)
                    problem = _pattern_problem(key, entry)
                    if problem:
                        errors.append(RuleError(name, line_at(tree, path), problem))
    return errors


def _pattern_problem(kind: str, entry: Any) -> str | None:
    """What is wrong with one term or regex, or None."""
    if not isinstance(entry, str) or (kind == "terms" and entry.startswith("@")):
        return None
    try:
        if kind == "regex":
            compile_re2(entry)
        else:
            for variant in expand_braces(entry):
                term_literal(variant)
    except PatternError as exc:
        return f"regex {entry!r}: {exc}"
    except TermError as exc:
        return str(exc)
    return None
