"""Write every verdict the engine gives on a fixed corpus, to compare two versions of the engine.

    git worktree add /tmp/before HEAD~1
    (cd /tmp/before && PYTHONPATH=. ../main/.venv/bin/python benchmarks/verdict_diff.py /tmp/a)
    .venv/bin/python benchmarks/verdict_diff.py /tmp/b
    cmp /tmp/a /tmp/b && echo identical

Run it from the checkout whose engine and rules you want (it reads `rules/` and `bot/` from the
current directory). The corpus: the labelled sets in `../shared/data` when they are there, this
repository's `tests/data/workplace.jsonl`, messages from `upstander bench`'s generator (with its
10,000 generated terms and 1,000 regexes), and a copy of each text altered by one evasion or
context (leetspeak, spaced or stretched letters, a masked word, a condemning quote, a
counter-speech opener), every third one evaluated with a mention, a reply and a member name.
Each line is the full `repr` of a verdict (hits, spans, suppressed hits, addressee), so any
change in what the engine finds or says shows up. Speed changes should leave the file identical.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import TextIO

from bot.engine import EvalContext, RuleSet, compile_files
from bot.engine.loader import rule_files
from bot.enginebench import build_bench_ruleset, synthetic_messages

SHARED_SETS = ("irc", "davidson", "ethos", "hatecheck")
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "+", "l": "|"}
CONTEXT = EvalContext(mentions=(5,), reply_to=7, member_names={"bob": 9})


def labelled_texts(shared: Path) -> list[str]:
    """Texts of the shared dev sets (if present) and of the workplace set."""
    files = [shared / f"{name}.jsonl" for name in SHARED_SETS]
    files.append(Path("tests/data/workplace.jsonl"))
    texts = []
    for path in files:
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                texts += [json.loads(line)["text"] for line in lines]
    return texts


def altered(text: str, rng: random.Random) -> str:
    """The text with one evasion or context added, chosen by `rng`."""
    words = text.split()
    kind = rng.randrange(6)
    if kind == 0:
        return "".join(LEET.get(c, c) if rng.random() < 0.5 else c for c in text)
    if kind == 1 and words:
        at = rng.randrange(len(words))
        words[at] = rng.choice([" ", ".", "-", "|", "+", " . "]).join(words[at])
        return " ".join(words)
    if kind == 2:
        return "".join(c * rng.choice([1, 1, 1, 3, 4]) if c.isalpha() else c for c in text)
    if kind == 3 and words:
        at = rng.randrange(len(words))
        if len(words[at]) > 2:
            words[at] = words[at][0] + "*" * (len(words[at]) - 2) + words[at][-1]
        return " ".join(words)
    if kind == 4:
        return f'"{text}" is not ok, reported to hr'
    return f"saying {text} is wrong"


def write_verdicts(ruleset: RuleSet, texts: list[str], tag: str, out: TextIO) -> None:
    """One JSON line per text: the tag, the index and the verdict's repr."""
    for index, text in enumerate(texts):
        verdict = ruleset.evaluate(text, CONTEXT) if index % 3 == 0 else ruleset.evaluate(text)
        print(json.dumps([tag, index, repr(verdict)]), file=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the verdicts (JSON lines)")
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--bench-messages", type=int, default=60_000)
    args = parser.parse_args()
    rng = random.Random(5)
    texts = labelled_texts(args.shared)
    texts += [altered(text, rng) for text in list(texts)]
    files = {str(path): path.read_text(encoding="utf-8") for path in rule_files(Path("rules"))}
    shipped = compile_files(files).ruleset
    if shipped is None:
        raise SystemExit("the rules in rules/ do not load")
    bench, planted, _ = build_bench_ruleset(Path("rules"), 10_000, 1_000, 7)
    messages = synthetic_messages(random.Random(8), args.bench_messages, planted, 0.01)
    messages += [altered(text, rng) for text in messages[: args.bench_messages // 3]]
    with args.out.open("w", encoding="utf-8") as out:
        write_verdicts(shipped, texts, "labelled", out)
        write_verdicts(bench, messages, "bench", out)
    print(f"{len(texts) + len(messages)} verdicts written to {args.out}")


if __name__ == "__main__":
    main()
