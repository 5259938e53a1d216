"""The rule-based extractor and the date resolver: the memory that needs no model."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from samantha.domain.memory import MemoryKind
from samantha.memory.dates import describe, find_dates
from samantha.memory.extract import extract, fit

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


# -- sentences, not shapes (issue 21) ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "What is my sister's name?",
        "What do I have coming up this week?",
        "what is my sister called",
        "Do you remember where I work?",
        "Can you help me plan my move to Lisbon?",
        "Please tell me a story about my dog Rex.",
        "Recommend a book for my trip on Friday.",
        "If I moved to Paris, I would be so happy.",
        "Suppose I quit my job as a nurse tomorrow.",
        "I'd love to live in Kyoto one day.",
        "I wish my sister was called Anna.",
    ],
)
def test_questions_requests_and_hypotheticals_tell_no_fact(text: str) -> None:
    found = extract(text, MONDAY)
    assert found.facts == []
    assert found.user_name is None


def test_a_name_is_a_name_not_a_question_word() -> None:
    assert facts("My sister is called What.") == []
    assert not [f for f in facts("my brother, what a guy") if f[0] == "person"]


def test_a_past_event_is_an_event_with_its_date_not_a_plan() -> None:
    found = extract("my cat died this morning", MONDAY)
    assert [(f.kind, f.text) for f in found.facts] == [
        (MemoryKind.FACT, "My cat died this morning.")
    ]
    assert found.facts[0].due_at is not None
    assert found.facts[0].due_at.date() == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("I saw Anna on Friday.", date(2026, 2, 27)),  # the Friday just gone
        ("Yesterday I went hiking with my dog.", date(2026, 3, 1)),
        ("I got back from Lisbon 3 days ago.", date(2026, 2, 27)),
    ],
)
def test_past_events_keep_the_day_they_happened(text: str, day: date) -> None:
    found = [f for f in extract(text, MONDAY).facts if f.due_at is not None]
    assert found, text
    assert all(f.kind is MemoryKind.FACT for f in found)
    assert found[0].due_at is not None
    assert found[0].due_at.date() == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("I'm flying to Rome on Friday.", date(2026, 3, 6)),
        ("My sister's wedding is next Saturday.", date(2026, 3, 14)),
        ("On Friday I am going to visit my grandmother.", date(2026, 3, 6)),
    ],
)
def test_a_plan_has_a_future_date(text: str, day: date) -> None:
    plans = [f for f in extract(text, MONDAY).facts if f.kind is MemoryKind.PLAN]
    assert plans, text
    assert plans[0].due_at is not None
    assert plans[0].due_at.date() == day


def test_a_statement_before_a_question_still_tells() -> None:
    found = facts("I moved to Lisbon last month. Do you know any good cafes?")
    assert [text for _, text in found] == ["I moved to Lisbon last month."]


def test_duplicates_in_one_message_merge() -> None:
    found = extract("I work as a nurse. I am a nurse. Hi, I'm Theo. My name is Theo.", MONDAY)
    texts = [f.text for f in found.facts]
    assert texts == ["I work as a nurse.", "My name is Theo."]


def test_a_long_plan_sentence_is_summarised_to_fit_never_refused() -> None:
    plan = (
        "On Friday I am going to visit the old harbour and then walk along the river with "
        "my friends, " * 20
    )
    assert len(plan) > 1000
    found = extract(plan, MONDAY).facts
    assert found
    assert all(len(f.text) <= 300 for f in found)
    plans = [f for f in found if f.kind is MemoryKind.PLAN]
    assert plans
    assert plans[0].text.startswith("On Friday I am going to visit the old harbour")
    assert plans[0].due_at is not None
    assert plans[0].due_at.date() == date(2026, 3, 6)


@pytest.mark.parametrize(
    "text",
    [
        "I love " + "x" * 5000,
        "My plan is to " + "go to the big market and buy lots of things " * 40 + " on Friday",
        "I " + "really " * 2000 + "love jazz",
        "My sister is called " + "A" * 400,
        "." * 3000,
        "?!" * 1000,
        "\u200b\u202e I live in \u0000 Porto \n\n\n",
        "I'm " + "very " * 300 + "tired on Friday because " * 30,
    ],
)
def test_no_input_can_raise(text: str) -> None:
    for fact in extract(text, MONDAY).facts:
        assert 0 < len(fact.text) <= 500


def test_fit_keeps_the_main_clause_at_a_phrase_boundary() -> None:
    long = "I work as a nurse at the hospital, " + "and I like it there with everyone " * 20
    fitted = fit(long, 100)
    assert len(fitted) <= 100
    assert fitted.startswith("I work as a nurse at the hospital")
    assert not fitted.endswith((",", " and"))


def test_a_list_is_one_clause() -> None:
    assert ("fact", "I'm planning to visit the UK, France, and Italy.") in facts(
        "I'm planning to visit the UK, France, and Italy."
    )


def test_a_pasted_document_is_not_the_persons_life() -> None:
    advert = "Department: Sales - Location: Toronto. About Us: We employ over 2,500 people. " * 20
    assert extract(advert, MONDAY).facts == []
    letter = "Please fix my cover letter: Dear team, I am a nurse with ten years behind me. " * 8
    assert extract(letter, MONDAY).facts == []


@pytest.mark.parametrize(
    "text",
    [
        "I'll definitely check out those shops this weekend.",
        "I've been working on it in short sessions.",
        "I'm still a bit unclear about the Skip feature.",
    ],
)
def test_reactions_to_her_words_are_not_facts(text: str) -> None:
    assert extract(text, MONDAY).facts == []


def test_a_date_told_in_the_past_is_the_one_gone_by() -> None:
    found = extract("I'm still happy with the bag, which I got on January 24th.", MONDAY).facts
    assert [(f.kind, f.due_at.date() if f.due_at else None) for f in found] == [
        (MemoryKind.FACT, date(2026, 1, 24))
    ]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Can you remember that Lena likes jazz?", "Lena likes jazz."),
        (
            "Please remember that the spare key is under the blue pot.",
            "The spare key is under the blue pot.",
        ),
        ("Remember that my mom's birthday is on June 3.", "My mom's birthday is on June 3."),
    ],
)
def test_asked_to_remember_something_she_keeps_it(text: str, kept: str) -> None:
    facts = [f.text for f in extract(text, datetime(2026, 3, 2, 12, tzinfo=UTC)).facts]
    assert kept in facts


def test_a_question_about_what_she_remembers_is_no_fact() -> None:
    at = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert extract("Can you remember what I said about Lena?", at).facts == []
    assert extract("Do you remember that song we liked?", at).facts == []


def test_a_typed_curly_apostrophe_reads_as_an_apostrophe() -> None:
    """A phone types ’: 'I’m Theo' is their name and 'My sister’s name is Anna' her name."""
    assert extract("Hi, I’m Theo", MONDAY).user_name == "Theo"
    assert ("person", "My sister is called Anna.") in facts("My sister’s name is Anna.")
