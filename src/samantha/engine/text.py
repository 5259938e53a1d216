"""Text as it arrives from a terminal or a file, made safe to store."""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Lone surrogates (from a broken paste) cannot be stored as UTF-8; replace just those."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATES.sub("\ufffd", text)
    return text
