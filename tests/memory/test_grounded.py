"""A fact a model extracted is kept only when the message gave it: a name must be one of the
message's words, not a few letters inside another word ("Tom" in "tomorrow")."""

from __future__ import annotations

from datetime import UTC, datetime

from samantha.memory.learn import grounded, parse_facts

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_name_inside_another_word_is_not_the_name() -> None:
    said = "I'm meeting my friend tomorrow for lunch."
    assert not grounded("My friend is called Tom.", said)
    assert not grounded("Their friend Al is coming to lunch.", "I really want lunch.")


def test_a_name_they_gave_is_grounded() -> None:
    said = "My friend Tom is coming tomorrow, and Tom's sister too."
    assert grounded("My friend is called Tom.", said)
    assert grounded("Their friend is Tom's sister.", said)


def test_a_user_name_inside_another_word_is_not_theirs() -> None:
    reply = '{"facts": [], "user_name": "Ann"}'
    parsed = parse_facts(reply, AT, source="I'm planning a trip to the coast.")
    assert parsed is not None
    assert parsed[1] is None
    kept = parse_facts(reply, AT, source="I'm Ann, planning a trip.")
    assert kept is not None
    assert kept[1] == "Ann"


def test_a_name_that_starts_the_fact_must_be_theirs_too() -> None:
    said = "My sister June is getting married in May."
    assert not grounded("Anna is my sister.", said)
    assert not grounded("Anna's wedding is in May.", said)
    assert grounded("June is my sister.", said)
    assert grounded("She is getting married in May.", said)
    assert grounded("My sister is getting married in May.", said)


def test_a_month_given_as_a_name_must_be_theirs() -> None:
    said = "My sister Anna is getting married."
    assert not grounded("My sister is called June.", said)
    assert not grounded("Their sister's name is May.", said)
    assert grounded("My sister June is getting married in May.", "My sister June marries in May.")
