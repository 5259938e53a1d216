"""Whole sentences out of a streaming reply, each as soon as it ends, so speech starts early.

A full stop is only a sentence end once the next word is in sight: "Dr. Ruth", "3.5", "e.g. this"
and "1. First" must not split, and that needs the character after the space. So a sentence is
let go one token late, which at streaming speed is a few milliseconds. The decisions depend only
on the text, never on how it was cut into chunks: feeding it whole or a letter at a time gives
the same sentences (a property the tests check).
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that end a sentence (runs of them too: "?!", "...").
TERMINATORS = frozenset(".!?…")
#: What may follow the terminator inside the sentence: quotes, brackets, Markdown emphasis.
CLOSERS = frozenset("\"'”’»)]}*_")
#: Words whose full stop does not end a sentence, because a name or number follows.
ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "mt",
        "ft",
        "vs",
        "no",
        "nos",
        "vol",
        "fig",
        "approx",
        "ca",
        "cf",
        "e.g",
        "i.e",
        "viz",
        "sgt",
        "capt",
        "lt",
        "col",
        "gen",
        "rev",
        "hon",
    }
)
#: Past this many characters without an end, the sentence is cut at a pause (a comma, a space),
#: so a run-on reply does not keep her silent.
MAX_CHARS = 250

_WORD_BEFORE = re.compile(r"([\w.]+)$")


class SentenceSplitter:
    """Feed it text as it streams; it hands back each sentence once it is complete."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        if max_chars < 8:
            raise ValueError("max_chars must be at least 8")
        self.max_chars = max_chars
        self._buffer = ""

    @property
    def pending(self) -> str:
        """What has arrived but is not a whole sentence yet."""
        return self._buffer

    def feed(self, text: str) -> list[str]:
        """The sentences ``text`` completes (often none, sometimes several)."""
        self._buffer += text
        return self._drain(final=False)

    def flush(self) -> list[str]:
        """The reply has ended: whatever is left is the last sentence."""
        return self._drain(final=True)

    def reset(self) -> None:
        """Forget what is pending (the reply was stopped)."""
        self._buffer = ""

    def _drain(self, *, final: bool) -> list[str]:
        sentences: list[str] = []
        while self._buffer:
            cut = _find_cut(self._buffer, self.max_chars, final=final)
            if cut is None:
                break
            sentence, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if sentence:
                sentences.append(sentence)
        return sentences


def _find_cut(text: str, max_chars: int, *, final: bool) -> int | None:
    """Where the first sentence of ``text`` ends, or None until more text settles it."""
    start = len(text) - len(text.lstrip())
    n = len(text)
    i = start
    while i < n:
        if i - start >= max_chars:
            return _pause_before(text, start, i)
        char = text[i]
        if char == "\n":
            return i + 1
        if char not in TERMINATORS:
            i += 1
            continue
        j = i + 1
        while j < n and text[j] in TERMINATORS:
            j += 1
        while j < n and text[j] in CLOSERS:
            j += 1
        if j == n:
            return n if final else None
        if not text[j].isspace():
            i = j  # "3.5", "example.com", "?!)": inside a sentence
            continue
        k = j
        while k < n and text[k].isspace():
            if text[k] == "\n":
                return j
            k += 1
        if k == n:
            return j if final else None
        if _ends_here(text[start:i], text[i], text[k]):
            return j
        i = j
    return n if final and n > start else None


def _pause_before(text: str, start: int, limit: int) -> int:
    """A place to break a sentence too long to wait for: after a comma or the like, else a
    space, else (one enormous word) right at the limit."""
    window = text[start:limit]
    for mark in (", ", "; ", ": ", " - ", " – ", " — "):
        at = window.rfind(mark)
        if at > 0:
            return start + at + len(mark.rstrip())
    at = max(window.rfind(" "), window.rfind("\t"))
    return start + at if at > 0 else limit


def _ends_here(before: str, terminator: str, following: str) -> bool:
    """Whether the terminator ends the sentence, given the text before it and the next letter."""
    if following.islower():
        return False  # "e.g. this", '"Oh!" she said', "Well... maybe"
    if terminator != ".":
        return True
    match = _WORD_BEFORE.search(before)
    word = match.group(1) if match else ""
    if word.lower() in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. R. R. Tolkien"
    # A list number at the start of a line: "1. First thing".
    return not (word.isdigit() and before.strip() == word)


_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#{1,6})\s+")
_MARKUP = re.compile(r"[*_`~#>|]+")
_SPEAKABLE = re.compile(r"\w")
_SPACE_BEFORE_MARK = re.compile(r"\s+([.,!?;:…])")


def is_fence(sentence: str) -> bool:
    """A Markdown code fence: what follows, up to the next fence, is not for reading aloud."""
    return bool(_FENCE.match(sentence))


def speakable(sentence: str) -> str:
    """The sentence as it should sound: no Markdown marks, links read as their words.

    Empty when nothing in it can be said (a rule, a lone emoji, a table border).
    """
    text = _LINK.sub(r"\1", sentence)
    text = _URL.sub("a link", text)
    text = _BULLET.sub("", text)
    text = _MARKUP.sub("", text)
    # Emoji and other pictographs: espeak-ng spells them out ("slightly smiling face").
    text = "".join(c for c in text if unicodedata.category(c) != "So")
    text = _SPACE_BEFORE_MARK.sub(r"\1", " ".join(text.split()))
    return text if _SPEAKABLE.search(text) else ""
