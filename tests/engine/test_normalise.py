"""Folding: each evasion step on its own, and properties of the offset map."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.normalise import fold, fold_with_offsets


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("HeLLo", "hello"),  # case
        ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),  # NFKC compatibility forms
        ("𝐛𝐨𝐥𝐝 𝓈𝒸𝓇𝒾𝓅𝓉", "bold script"),  # mathematical alphanumerics
        ("ⓒⓘⓡⓒⓛⓔⓓ", "circled"),
        ("ｃаt", "cat"),  # Cyrillic а inside a Latin word
        ("ΑΒΕΚ οτ", "abek ot"),  # Greek capitals and small letters that look Latin
        ("ᴅᴇᴍᴏ", "demo"),  # small capitals
        ("🇳🇴", "no"),  # regional indicators
        ("zero\u200bwidth\u200d\ufeffjoin", "zerowidthjoin"),  # invisible format characters
        ("soft\u00adhyphen", "softhyphen"),
        ("rtl\u202eoverride\u202c", "rtloverride"),
        ("z̸̢̛a̵̡͝l̶̨̛g̷̢͝o̴̡͝", "zalgo"),  # combining marks
        ("café naïve", "cafe naive"),
        ("fun😂times", "fun times"),  # emoji becomes a word boundary
        ("‘quote’ “double”", "'quote' \"double\""),
        ("Straße", "strasse"),
    ],
)
def test_fold_step(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("word", ["Scunthorpe", "assistance", "grasshopper", "class", "Dickens"])
def test_ordinary_words_are_only_lower_cased(word: str) -> None:
    assert fold(word) == word.lower()


def test_offsets_point_at_the_source_character() -> None:
    text = "ｗo\u200brd 😂 ＢＡＤ"
    result = fold_with_offsets(text)
    assert result.text == "word   bad"
    start = result.text.index("bad")
    assert result.source_span(start, start + 3) == (text.index("Ｂ"), len(text))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_and_offset_folding_agree(text: str) -> None:
    assert fold_with_offsets(text).text == fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_stay_inside_the_original(text: str) -> None:
    result = fold_with_offsets(text)
    assert len(result.origin) == len(result.text)
    assert all(0 <= i < len(text) for i in result.origin)
    assert list(result.origin) == sorted(result.origin)
    for start in range(len(result.text)):
        low, high = result.source_span(start, len(result.text))
        assert 0 <= low <= high <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_folded_text_always_encodes(text: str) -> None:
    fold(text).encode("utf-8")  # lone surrogates must not survive folding
