"""The one error a script author meets: which file, which line, what is wrong."""

from __future__ import annotations

import re

from samantha.errors import InputError

#: Characters that would break a sentence across lines (str.splitlines breaks on all of them).
_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def flat(value: object, limit: int = 40) -> str:
    """Text from a script, safe inside a one-line sentence: breaks escaped, length capped."""
    text = _BREAKS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ScriptError(InputError):
    """A conversation script cannot be read or run as written (exit code 2)."""

    def __init__(self, sentence: str) -> None:
        super().__init__(flat(sentence, limit=2000))
