"""Hostile message texts, shared by the hostile-message tests and `benchmarks/bench_hostile.py`.

Each kind carries a flagged `payload` somewhere inside, so both the clean and the flagged paths
of the engine do their full work on it. Lengths stop at Discord's 4,000 characters (Nitro)
except where a kind is about size itself (`zero_width`, 10,000 for the engine).
"""

from __future__ import annotations

from collections.abc import Sequence

DISCORD_MAX = 4_000
ZW = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
COMBINING = "".join(chr(c) for c in range(0x0300, 0x0300 + 40))  # 40 stacked diacritics
RTL = "\u202eשלום עולם\u202c \u2067مرحبا بالعالم\u2069 \u202dltr\u202c \u200fمثال\u200e "
SURROGATES = "\ud800 \udfff \udbff\udc00 \ud83d "  # lone and mis-paired halves


def _fill(unit: str, length: int) -> str:
    return (unit * (length // max(len(unit), 1) + 1))[:length]


def catalogue(
    payload: str, mention_ids: Sequence[int], *, zero_width: int = 10_000
) -> dict[str, str]:
    """{kind: text} for every hostile kind; `payload` is a text the rules flag."""
    half = DISCORD_MAX // 2
    spaced = ZW[0].join(payload)  # the payload with a zero-width space between its letters
    zw_pad = (zero_width - len(spaced)) // 2
    mentions = " ".join(f"<@{mention_ids[n % len(mention_ids)]}>" for n in range(150))
    return {
        "long_4000": _fill("the quarterly numbers look fine " + payload + " ", DISCORD_MAX),
        "zero_width": _fill(ZW, zw_pad) + spaced + _fill(ZW, zero_width - zw_pad - len(spaced)),
        "combining": _fill("".join(ch + COMBINING for ch in payload + " "), DISCORD_MAX),
        "mixed_rtl": _fill(RTL + payload + " ", DISCORD_MAX),
        "surrogates": _fill(SURROGATES + payload + " ", half),
        "mentions_150": (mentions + " " + payload)[:DISCORD_MAX],
        "repeated_payload": _fill(payload + " ", DISCORD_MAX),
        "one_char_words": _fill("a ", DISCORD_MAX - len(payload) - 1).rstrip() + " " + payload,
    }
