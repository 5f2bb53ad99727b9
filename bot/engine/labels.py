"""What a category/subcategory means, in the words a moderator or sender reads first.

`retaliation/threat` is a code; "threat against someone who reported" says what happened. Used by
`upstander check`, the scan report and the moderators' alerts, so all three say the same thing.
"""

from __future__ import annotations

_PLAIN: dict[tuple[str, str], str] = {
    ("retaliation", "threat"): "threat against someone who reported",
    ("retaliation", "labelling"): "someone who reported called a grass, snitch or rat",
    ("retaliation", "norm_enforcement"): "contempt for reporting, or a rule against it",
    ("retaliation", "intimidation"): "intimidation to keep someone quiet",
    ("retaliation", "after_report"): "hostility towards a member who reported",
    ("violence", "threat"): "threat of violence",
    ("violence", "incitement"): "call for violence",
    ("violence", "sexual_violence"): "sexual violence",
    ("violence", "domestic_abuse"): "domestic abuse",
    ("harassment", "self_harm_encouragement"): "encouragement of self-harm",
    ("harassment", "sexual_harassment"): "sexual harassment",
}


def plain(category: str | None, subcategory: str | None) -> str | None:
    """The plain description of a category/subcategory, or None when the code says enough."""
    if category is None or subcategory is None:
        return None
    return _PLAIN.get((category, subcategory))


def described(category: str, subcategory: str, severity: str) -> str:
    """ "threat against someone who reported (retaliation/threat, critical)", or without the
    plain words when there are none: "discrimination/racism (high)"."""
    code = f"{category}/{subcategory}"
    words = plain(category, subcategory)
    return f"{words} ({code}, {severity})" if words else f"{code} ({severity})"
