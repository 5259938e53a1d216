"""``{{user}}`` and ``{{char}}`` in persona text, in every spelling cards use in the wild."""

from __future__ import annotations

import re

# Cards from SillyTavern and older Tavern tools write {{char}}, {{Char}}, {{ user }}, <USER>
# and <BOT>; a persona written for one tool should read the same here.
_MACRO = re.compile(r"\{\{\s*(user|char)\s*\}\}|<(user|bot|char)>", re.IGNORECASE)
_USER = {"user"}


def fill(text: str, char: str, user: str) -> str:
    """Put the names in; text without a macro is returned as it is, without a regex pass."""
    if "{{" not in text and "<" not in text:
        return text

    def name(match: re.Match[str]) -> str:
        word = (match.group(1) or match.group(2)).lower()
        return user if word in _USER else char

    return _MACRO.sub(name, text)


def one_line(value: object, limit: int = 40) -> str:
    """User text quoted inside an error sentence: control characters and line breaks escaped
    and long text cut, so the sentence stays one line however odd the file is."""
    text = str(value)
    cut = text if len(text) <= limit else text[: limit - 3] + "..."
    return "".join(_escape(c) for c in cut)


def _escape(char: str) -> str:
    if char.isprintable() or char == " ":
        return char
    return char.encode("unicode_escape").decode("ascii")
