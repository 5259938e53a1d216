"""A phone or a word processor types ’ for an apostrophe: 'I’m Tom' is a name, and 'I’m
starting a new job' is said back as 'you're starting', never as 'I’m starting' (about her)."""

from __future__ import annotations

from samantha.voice.reading import read_message


def test_a_name_with_a_curly_apostrophe_is_heard() -> None:
    assert read_message("I’m Tom").name == "Tom"


def test_their_words_with_a_curly_apostrophe_are_turned_to_her_point_of_view() -> None:
    assert read_message("I’m starting a new job on Monday.").echo == (
        "you're starting a new job on Monday"
    )
    assert read_message("I don’t want to talk about it.").declines


def test_we_is_said_back_as_you() -> None:
    assert read_message("We're moving to Lisbon next month.").echo == (
        "you're moving to Lisbon next month"
    )
    assert read_message("My sister visited us last week.").echo == (
        "your sister visited you last week"
    )
    assert read_message("I moved to the US last year.").echo == "you moved to the US last year"
