"""Lorebooks: facts that join the prompt only when the conversation mentions them.

A persona can know a whole world without paying for it in every prompt: each entry waits for
one of its keys to appear in the last few messages, and the entries that wake up share a token
budget, the most important first. ``activate`` is pure, so prompt assembly can call it every
turn; the regexes behind each entry are compiled once and cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SelectiveLogic = Literal["any", "all", "not_any", "not_all"]


class LorebookEntry(BaseModel):
    """One fact and the words that bring it to mind."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True
    )

    keys: list[str] = Field(default_factory=list)
    """Words or phrases that wake this entry when any of them appears in recent messages."""
    content: str = ""
    """What she is told when the entry is active. {{user}} and {{char}} are filled in."""
    secondary_keys: list[str] = Field(default_factory=list)
    """An optional filter on top of ``keys``; how they must match is ``selective_logic``."""
    selective_logic: SelectiveLogic = "any"
    """With secondary keys: 'any' or 'all' of them must also appear, or 'not_any' / 'not_all'
    of them may (SillyTavern's AND ANY, AND ALL, NOT ANY, NOT ALL)."""
    case_sensitive: bool = False
    """Match keys with their exact capitals ('Rose' the person, not 'rose' the flower)."""
    whole_words: bool = True
    """Match keys only as whole words, so 'cat' does not wake on 'concatenate'."""
    constant: bool = False
    """Always active, keys or not (still subject to the token budget)."""
    enabled: bool = True
    """Switch an entry off without deleting it."""
    priority: int = 0
    """When the budget is tight, entries with a lower priority are left out first."""
    insertion_order: int = 100
    """Where the entry goes among the active ones: lower comes earlier in the prompt."""
    position: Literal["before_char", "after_char"] = "after_char"
    """Before or after the character's description, for prompt builders that care."""
    name: str = ""
    """A label for people reading the file (a card entry's name or comment)."""

    @field_validator("keys", "secondary_keys")
    @classmethod
    def _no_blank_keys(cls, keys: list[str]) -> list[str]:
        # A blank key would match everywhere; drop it instead of waking on every message.
        return [k.strip() for k in keys if k.strip()]


class Lorebook(BaseModel):
    """A persona's entries and the rules for scanning the conversation for them."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    entries: list[LorebookEntry] = Field(default_factory=list)
    """The facts, each with the keys that bring it up."""
    scan_depth: int = Field(default=4, ge=0, le=1000)
    """How many of the most recent messages are searched for keys."""
    token_budget: int = Field(default=512, ge=0, le=1_000_000)
    """Most tokens the active entries may take together; lower priorities give way first."""
    recursive: bool = False
    """Let active entries' content wake further entries (one wave at a time, bounded)."""


@dataclass(frozen=True)
class Activation:
    """What a scan found: the entries that fit, highest priority first, and those that did not."""

    kept: list[LorebookEntry] = field(default_factory=list)
    dropped: list[LorebookEntry] = field(default_factory=list)
    tokens: int = 0

    def in_prompt_order(self) -> list[LorebookEntry]:
        """The kept entries by ``insertion_order`` (stable), as they should appear in a prompt."""
        return sorted(self.kept, key=lambda e: e.insertion_order)


#: Recursion stops after this many waves even if entries keep waking each other.
_MAX_WAVES = 5


def activate(
    book: Lorebook, recent_texts: Sequence[str], count_tokens: Callable[[str], int]
) -> list[LorebookEntry]:
    """The entries to include this turn, highest priority first, within the token budget.

    ``recent_texts`` are the conversation's messages, oldest first; only the last
    ``book.scan_depth`` are searched. ``count_tokens`` is the prompt's own counter.
    """
    return scan(book, recent_texts, count_tokens).kept


def scan(
    book: Lorebook, recent_texts: Sequence[str], count_tokens: Callable[[str], int]
) -> Activation:
    """``activate`` with the entries the budget left out and the tokens used, for reports."""
    depth = book.scan_depth
    window = list(recent_texts[-depth:]) if depth else []
    haystack = "\n".join(window)
    text = _Text(haystack)
    found: list[int] = []
    pending = [i for i, e in enumerate(book.entries) if e.enabled]
    for _wave in range(_MAX_WAVES if book.recursive else 1):
        woke = [i for i in pending if _wakes(book.entries[i], text)]
        if not woke:
            break
        found.extend(woke)
        awake = set(woke)
        pending = [i for i in pending if i not in awake]
        # Newly active content can mention other entries' keys on the next wave.
        haystack = "\n".join([haystack, *(book.entries[i].content for i in woke)])
        text = _Text(haystack)
    entries = book.entries
    ranked = sorted(found, key=lambda i: (-entries[i].priority, entries[i].insertion_order, i))
    return _within_budget([entries[i] for i in ranked], book.token_budget, count_tokens)


def _within_budget(
    ranked: list[LorebookEntry], budget: int, count_tokens: Callable[[str], int]
) -> Activation:
    """Keep the longest run, by priority, that fits: everything after the first entry that does
    not fit is dropped too, so a lower priority never displaces a higher one."""
    used = 0
    for index, entry in enumerate(ranked):
        cost = count_tokens(entry.content)
        if used + cost > budget:
            return Activation(kept=ranked[:index], dropped=ranked[index:], tokens=used)
        used += cost
    return Activation(kept=ranked, tokens=used)


def _wakes(entry: LorebookEntry, text: _Text) -> bool:
    if entry.constant:
        return True
    if not entry.keys or not text.raw:
        return False
    case, whole = entry.case_sensitive, entry.whole_words
    if not any(text.has(key, case, whole) for key in entry.keys):
        return False
    secondary = entry.secondary_keys
    if not secondary:
        return True
    logic = entry.selective_logic
    if logic in {"any", "not_any"}:
        hit = any(text.has(key, case, whole) for key in secondary)
        return hit if logic == "any" else not hit
    every = all(text.has(key, case, whole) for key in secondary)
    return every if logic == "all" else not every


class _Text:
    """The scanned messages, with their lower-case form and word sets made once per scan.

    Most keys are single words, so most checks are a set lookup; the rest are a substring
    search in C, confirmed by a cached regex only when whole words are asked for. Case-
    insensitive means comparing ``str.lower()`` forms, the same on every path.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._lower: str | None = None
        self._words: dict[bool, frozenset[str]] = {}

    def _text(self, case_sensitive: bool) -> str:
        if case_sensitive:
            return self.raw
        if self._lower is None:
            self._lower = self.raw.lower()
        return self._lower

    def _word_set(self, case_sensitive: bool) -> frozenset[str]:
        found = self._words.get(case_sensitive)
        if found is None:
            found = frozenset(_WORD.findall(self._text(case_sensitive)))
            self._words[case_sensitive] = found
        return found

    def has(self, key: str, case_sensitive: bool, whole_words: bool) -> bool:
        needle = key if case_sensitive else _lower(key)
        haystack = self._text(case_sensitive)
        if needle not in haystack:
            return False
        if not whole_words:
            return True
        if _WORD.fullmatch(needle):
            return needle in self._word_set(case_sensitive)
        return _bounded(needle).search(haystack) is not None


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8192)
def _lower(key: str) -> str:
    return key.lower()


@lru_cache(maxsize=4096)
def _bounded(needle: str) -> re.Pattern[str]:
    """Keys are literal text, never regular expressions, so a card cannot make a scan slow.
    Look-arounds rather than \\b, so keys that start or end in punctuation ('C++', '.NET') work."""
    return re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
