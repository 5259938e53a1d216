"""Word coverage: how many of a query's word groups a memory has, found in one pass."""

from __future__ import annotations

from samantha.memory.recall import coverage, query_groups


def test_a_stem_inside_a_longer_one_still_counts_its_own_group() -> None:
    # "sis" and "siste" both start "sisters": the longer is what the pass finds, and the
    # group of the shorter must count too.
    assert coverage("My sisters came", [["siste"], ["sis"]]) == 1.0


def test_a_stem_counts_only_at_the_start_of_a_word() -> None:
    assert coverage("persistence", [["siste"]]) == 0.0
    assert coverage("a foo_sister", [["siste"]]) == 1.0  # an underscore separates words
    assert coverage("x-sister", [["siste"]]) == 1.0


def test_topic_words_count_for_their_group_once() -> None:
    groups = query_groups("how is your family and your work?")
    assert coverage("My brother and my mother", groups) == 0.5
    assert coverage("The office, the boss and my dad", groups) == 1.0


def test_no_words_no_coverage() -> None:
    assert coverage("anything at all", []) == 0.0
    assert coverage("", query_groups("family")) == 0.0
