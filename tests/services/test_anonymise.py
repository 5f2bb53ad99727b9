"""Anonymising a message before it becomes a rule example."""

from __future__ import annotations

import pytest

from bot.services.anonymise import anonymise


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("<@123456789012345678> you idiot", (), "[member] you idiot"),
        ("<@!123456789012345678> and <@&98765432101234567>", (), "[member] and [role]"),
        ("see <#123456789012345678>", (), "see [channel]"),
        (
            "ask Priya or @priya.k about it",
            ("Priya", "priya.k"),
            "ask [member] or [member] about it",
        ),
        ("id 123456789012345678 here", (), "id [id] here"),
        ("mail jo@example.com or https://x.test/a?b", (), "mail [email] or [link]"),
        ("Al is here", ("Al",), "Al is here"),  # too short to strip safely
        ("Samuel and Sam", ("Sam", "Samuel"), "[member] and [member]"),
    ],
)
def test_anonymise(text: str, names: tuple[str, ...], expected: str) -> None:
    assert anonymise(text, names) == expected
