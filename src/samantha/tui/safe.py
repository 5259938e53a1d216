"""Text from a model or a paste is shown literally: no markup, no escape sequences, no floods."""

from __future__ import annotations

import re

#: C0/C1 controls other than tab and newline; ESC among them starts ANSI sequences.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Beyond this, a message is shown collapsed; it is always stored whole.
COLLAPSE_AT = 4000


def visible(text: str) -> str:
    """Replace control characters by their Unicode 'control picture' so they show as symbols."""
    return _CONTROLS.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def collapsed(text: str, limit: int = COLLAPSE_AT) -> str:
    if len(text) <= limit:
        return text
    hidden = len(text) - limit
    return f"{text[:limit]}\n\n… ({hidden:,} more characters, stored in full)"
