"""The pure rule engine: normalise, match, verdict. Imports neither discord nor aiosqlite.

Public API (stable for the other layers):

    from bot.engine import load_rules, EvalContext
    result = load_rules(Path("rules"))     # never raises: LoadResult(ruleset, errors)
    for err in result.errors: print(err)   # "rules/x.yaml:12: unknown key 'foo'"
    verdict = result.ruleset.evaluate("text", EvalContext(mentions=(123,), reply_to=456))
    verdict.flagged, verdict.top, verdict.hits, verdict.addressee, verdict.to_dict()

See `verdict.py` for Verdict / Hit / Severity.
"""

from bot.engine.context import EvalContext
from bot.engine.loader import LoadResult, RuleError, compile_files, load_rules
from bot.engine.ruleset import RuleSet
from bot.engine.verdict import Addressee, Category, Hit, Severity, Suppressed, Verdict

__all__ = [
    "Addressee",
    "Category",
    "EvalContext",
    "Hit",
    "LoadResult",
    "RuleError",
    "RuleSet",
    "Severity",
    "Suppressed",
    "Verdict",
    "compile_files",
    "load_rules",
]
