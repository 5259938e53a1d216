"""Lorebook activation: keys wake entries, secondary keys filter, the budget trims by priority."""

from __future__ import annotations

import re
from typing import Any

import pytest

from samantha.persona import Lorebook, LorebookEntry, activate, scan


def words(text: str) -> int:
    return len(text.split())


def book(*entries: dict[str, Any], **settings: Any) -> Lorebook:
    return Lorebook.model_validate({"entries": list(entries), **settings})


def names(entries: list[LorebookEntry]) -> list[str]:
    return [e.name for e in entries]


def test_a_key_in_a_recent_message_wakes_its_entry() -> None:
    lore = book(
        {"name": "garden", "keys": ["garden", "tomatoes"], "content": "She grows tomatoes."},
        {"name": "sea", "keys": ["ocean"], "content": "She has never seen the sea."},
    )
    assert names(activate(lore, ["How is the Garden?"], words)) == ["garden"]
    assert activate(lore, ["nothing to see"], words) == []


def test_only_the_last_scan_depth_messages_are_read() -> None:
    lore = book({"name": "sea", "keys": ["ocean"], "content": "x"}, scan_depth=2)
    assert activate(lore, ["the ocean", "hello", "there"], words) == []
    assert names(activate(lore, ["hello", "the ocean", "there"], words)) == ["sea"]
    assert activate(lore.model_copy(update={"scan_depth": 0}), ["ocean"], words) == []


def test_whole_words_by_default() -> None:
    lore = book({"name": "cat", "keys": ["cat"], "content": "x"})
    assert activate(lore, ["let me concatenate these"], words) == []
    assert names(activate(lore, ["my cat, Mo"], words)) == ["cat"]
    partial = book({"name": "cat", "keys": ["cat"], "whole_words": False, "content": "x"})
    assert names(activate(partial, ["concatenate"], words)) == ["cat"]


def test_keys_with_punctuation_still_match_as_words() -> None:
    lore = book({"name": "cpp", "keys": ["C++", ".NET"], "content": "x"})
    assert names(activate(lore, ["I write c++ at work"], words)) == ["cpp"]
    assert names(activate(lore, ["the .net runtime"], words)) == ["cpp"]
    assert activate(lore, ["C+ grade"], words) == []


def test_keys_are_text_not_regular_expressions() -> None:
    lore = book({"name": "dots", "keys": ["a.c", "(x"], "content": "x"})
    assert activate(lore, ["abc"], words) == []
    assert names(activate(lore, ["(x marks"], words)) == ["dots"]


def test_case_sensitive_entries_need_the_capitals() -> None:
    lore = book({"name": "rose", "keys": ["Rose"], "case_sensitive": True, "content": "x"})
    assert activate(lore, ["a rose in the vase"], words) == []
    assert names(activate(lore, ["Rose called"], words)) == ["rose"]


@pytest.mark.parametrize(
    ("logic", "text", "wakes"),
    [
        ("any", "dragon and gold", True),
        ("any", "dragon alone", False),
        ("all", "dragon, gold and cave", True),
        ("all", "dragon and gold", False),
        ("not_any", "dragon alone", True),
        ("not_any", "dragon in a cave", False),
        ("not_all", "dragon and gold", True),
        ("not_all", "dragon, gold, cave", False),
    ],
)
def test_secondary_keys_follow_the_selective_logic(logic: str, text: str, wakes: bool) -> None:
    lore = book(
        {
            "name": "hoard",
            "keys": ["dragon"],
            "secondary_keys": ["gold", "cave"],
            "selective_logic": logic,
            "content": "x",
        }
    )
    assert bool(activate(lore, [text], words)) is wakes


def test_constant_entries_are_always_on_and_disabled_ones_never() -> None:
    lore = book(
        {"name": "always", "constant": True, "content": "x"},
        {"name": "off", "keys": ["hello"], "enabled": False, "content": "x"},
        {"name": "keyless", "content": "x"},
    )
    assert names(activate(lore, ["hello"], words)) == ["always"]
    assert names(activate(lore, [], words)) == ["always"]


def test_highest_priority_first_then_insertion_order() -> None:
    lore = book(
        {"name": "low", "keys": ["x"], "priority": 1, "content": "a"},
        {"name": "high", "keys": ["x"], "priority": 9, "content": "a"},
        {"name": "mid-late", "keys": ["x"], "priority": 5, "insertion_order": 20, "content": "a"},
        {"name": "mid-early", "keys": ["x"], "priority": 5, "insertion_order": 10, "content": "a"},
    )
    found = scan(lore, ["x"], words)
    assert names(found.kept) == ["high", "mid-early", "mid-late", "low"]
    assert names(found.in_prompt_order()) == ["mid-early", "mid-late", "high", "low"]


def test_the_budget_drops_the_lowest_priority_first() -> None:
    lore = book(
        {"name": "big-low", "keys": ["x"], "priority": 1, "content": "one two three four"},
        {"name": "top", "keys": ["x"], "priority": 9, "content": "one two three"},
        {"name": "small-low", "keys": ["x"], "priority": 0, "content": "one"},
        token_budget=5,
    )
    found = scan(lore, ["x"], words)
    assert names(found.kept) == ["top"]
    # Even though 'small-low' would fit, it is less important than 'big-low', which did not.
    assert names(found.dropped) == ["big-low", "small-low"]
    assert found.tokens == 3


def test_recursive_books_let_entries_wake_each_other() -> None:
    entries = (
        {"name": "first", "keys": ["river"], "content": "The river runs past the mill."},
        {"name": "second", "keys": ["mill"], "content": "The miller is her friend."},
    )
    assert names(activate(book(*entries), ["the river"], words)) == ["first"]
    woke = activate(book(*entries, recursive=True), ["the river"], words)
    assert names(woke) == ["first", "second"]


def test_blank_keys_never_match_everything() -> None:
    lore = book({"name": "blank", "keys": ["", "  "], "content": "x"})
    assert lore.entries[0].keys == []
    assert activate(lore, ["anything at all"], words) == []


def test_a_big_book_compiles_its_matchers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scanning stays cheap turn after turn because no regex is compiled again (the time it
    # takes is the benchmarks' to measure, not a pass/fail test's).
    lore = book(
        # Keys of two words: matched by a whole-word pattern, not a set lookup.
        *(
            {"name": f"e{i}", "keys": [f"word {i}", f"other {i}"], "content": "x"}
            for i in range(500)
        ),
        token_budget=10_000,
    )
    texts = ["a long message " * 50 + "word 7 and other 42"] * 4
    activate(lore, texts, words)  # compiles and caches the matchers
    compiled: list[str] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    for _ in range(20):
        found = activate(lore, texts, words)
    assert names(found) == ["e7", "e42"]
    assert compiled == []
