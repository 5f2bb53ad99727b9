"""Let simcord carry members' 4,000-character messages (Discord Nitro's limit).

simcord validates every message at 2,000 characters, the limit for members without Nitro, but
Discord delivers up to 4,000 to the bot. The patch validates only the first 2,000 characters
of a *member's* message; everything else simcord checks stays as it is.
"""

from __future__ import annotations

from typing import Any

import pytest
import simcord.backend.ops.messages as backend_messages

NITRO_LIMIT = 4_000


def allow_nitro_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept member messages up to 4,000 characters in simcord's backend."""
    original = backend_messages.validate_message_state

    def validate(*args: Any, content: str | None = None, **kwargs: Any) -> Any:
        if isinstance(content, str) and len(content) <= NITRO_LIMIT:
            content = content[:2000]
        return original(*args, content=content, **kwargs)

    monkeypatch.setattr(backend_messages, "validate_message_state", validate)
