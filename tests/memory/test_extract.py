"""The rule-based extractor and the date resolver: the memory that needs no model."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from samantha.domain.memory import MemoryKind
from samantha.memory.dates import describe, find_dates
from samantha.memory.extract import extract

MONDAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def facts(text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, f.text) for f in extract(text, MONDAY).facts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My sister is called Anna.", ("person", "My sister is called Anna.")),
        ("my sister Anna lives in Lisbon", ("person", "My sister is called Anna.")),
        ("Anna is my sister.", ("person", "My sister is called Anna.")),
        ("My dog is named rex", ("person", "My dog is called Rex.")),
        ("I love jazz and old films!", ("preference", "I love jazz and old films.")),
        ("I can't stand mornings", ("preference", "I can't stand mornings.")),
        ("I work as a nurse at St Mary's.", ("fact", "I work as a nurse at St Mary's.")),
        ("I live in Lisbon", ("fact", "I live in Lisbon.")),
        ("I've been feeling so lonely lately.", ("feeling", "I felt lonely.")),
        ("I promise to call my mum", ("promise", "I promised to call my mum.")),
    ],
)
def test_common_forms_become_facts_in_the_users_words(text: str, expected: tuple[str, str]) -> None:
    assert expected in facts(text)


def test_a_person_with_more_said_about_them_keeps_both_facts() -> None:
    found = facts("My sister Anna lives in Lisbon.")
    assert ("fact", "My sister Anna lives in Lisbon.") in found


@pytest.mark.parametrize(
    "text", ["I love you", "I like that", "I'm a bit tired", "call me back later", "Hi there"]
)
def test_things_that_only_look_like_facts_are_left_alone(text: str) -> None:
    found = extract(text, MONDAY)
    assert found.user_name is None
    assert not [f for f in found.facts if f.kind in {MemoryKind.PREFERENCE, MemoryKind.FACT}]


@pytest.mark.parametrize(
    ("text", "name"),
    [("Call me Theo.", "Theo"), ("my name is theo", "Theo"), ("Hi, I'm Theo", "Theo")],
)
def test_the_users_name(text: str, name: str) -> None:
    found = extract(text, MONDAY)
    assert found.user_name == name
    assert ("fact", f"My name is {name}.") in facts(text)


@pytest.mark.parametrize("text", ["I'm Sad", "I'm tired", "I am going home", "call me crazy"])
def test_feelings_and_phrases_are_not_names(text: str) -> None:
    assert extract(text, MONDAY).user_name is None


def test_a_plan_gets_its_date_from_the_clause_it_is_in() -> None:
    found = extract("My sister is called Anna and my interview is on Friday.", MONDAY)
    plans = [f for f in found.facts if f.kind is MemoryKind.PLAN]
    assert [p.text for p in plans] == ["My interview is on Friday."]
    assert plans[0].due_at is not None
    assert plans[0].due_at.date() == date(2026, 3, 6)


def test_something_dated_in_the_past_is_a_fact_not_a_plan() -> None:
    found = extract("My exam was yesterday and it went badly", MONDAY)
    dated = [f for f in found.facts if f.due_at is not None]
    assert dated
    assert all(f.kind is MemoryKind.FACT for f in dated)
    assert dated[0].due_at is not None
    assert dated[0].due_at.date() == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("today", date(2026, 3, 2)),
        ("tomorrow", date(2026, 3, 3)),
        ("the day after tomorrow", date(2026, 3, 4)),
        ("yesterday", date(2026, 3, 1)),
        ("on Friday", date(2026, 3, 6)),
        ("on Monday", date(2026, 3, 9)),
        ("next Friday", date(2026, 3, 13)),
        ("last Friday", date(2026, 2, 27)),
        ("in three days", date(2026, 3, 5)),
        ("in 2 weeks", date(2026, 3, 16)),
        ("3 days ago", date(2026, 2, 27)),
        ("this weekend", date(2026, 3, 7)),
        ("on March 20th", date(2026, 3, 20)),
        ("the 5th of April", date(2026, 4, 5)),
        ("2026-07-01", date(2026, 7, 1)),
    ],
)
def test_relative_dates_resolve_against_the_message_time(phrase: str, day: date) -> None:
    found = find_dates(f"it is {phrase} I think", MONDAY)
    assert found, phrase
    assert found[0].when.date() == day


def test_words_that_contain_day_names_are_not_dates() -> None:
    assert find_dates("I sat down and the sun came out", MONDAY) == []


def test_describe_says_when_in_words() -> None:
    friday = datetime(2026, 3, 6, 12, tzinfo=UTC)
    assert describe(friday, MONDAY) == "on Friday 6 March (in 4 days)"
    assert describe(friday, datetime(2026, 3, 7, 9, tzinfo=UTC)) == "yesterday"
    assert describe(friday, datetime(2026, 3, 9, 9, tzinfo=UTC)) == "3 days ago (Friday 6 March)"


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("my sister's name is Kalinda", "My sister is called Kalinda."),
        ("My dog's name is Rex.", "My dog is called Rex."),
        ("my brother's called Mo", "My brother is called Mo."),
    ],
)
def test_possessive_names(text: str, fact: str) -> None:
    assert ("person", fact) in facts(text)
