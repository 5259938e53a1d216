"""Sentences split off a streaming reply: where they end, and that chunking never matters."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samantha.speech.sentences import SentenceSplitter, is_fence, speakable

FAST = settings(
    max_examples=300,
    deadline=None,
    database=None,  # no .hypothesis folder in the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


def split(text: str, step: int | None = None, max_chars: int = 250) -> list[str]:
    splitter = SentenceSplitter(max_chars)
    out: list[str] = []
    if step is None:
        out += splitter.feed(text)
    else:
        for i in range(0, len(text), step):
            out += splitter.feed(text[i : i + step])
    return out + splitter.flush()


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hi there. How are you?", ["Hi there.", "How are you?"]),
        ("Oh! Really?! Yes.", ["Oh!", "Really?!", "Yes."]),
        ("I met Dr. Okafor and Mrs. Reyes.", ["I met Dr. Okafor and Mrs. Reyes."]),
        ("It costs 3.50 today. Fine.", ["It costs 3.50 today.", "Fine."]),
        ("Use e.g. this one. Or not.", ["Use e.g. this one.", "Or not."]),
        ("Well... I think so.", ["Well...", "I think so."]),
        ("Well... maybe not.", ["Well... maybe not."]),
        ("Hmm… Yes.", ["Hmm…", "Yes."]),
        ('"Stay." she said. Then left.', ['"Stay." she said.', "Then left."]),
        ('She said "Stay." Then she left.', ['She said "Stay."', "Then she left."]),
        ("(That was odd.) Anyway.", ["(That was odd.)", "Anyway."]),
        ("**Really.** Yes.", ["**Really.**", "Yes."]),
        ("J. R. R. Tolkien wrote it. True.", ["J. R. R. Tolkien wrote it.", "True."]),
        ("Born in 1990. Then school.", ["Born in 1990.", "Then school."]),
        ("1. First thing\n2. Second thing", ["1. First thing", "2. Second thing"]),
        ("A heading\n\nA paragraph. Another", ["A heading", "A paragraph.", "Another"]),
        ("See example.com for more. Ok.", ["See example.com for more.", "Ok."]),
        ("Line one.\nLine two.", ["Line one.", "Line two."]),
        ("no ending at all", ["no ending at all"]),
        ("   ", []),
        ("", []),
    ],
)
def test_sentences_end_where_a_reader_would_pause(text: str, sentences: list[str]) -> None:
    assert split(text) == sentences
    assert split(text, 1) == sentences


def test_a_sentence_is_handed_over_as_soon_as_the_next_one_begins() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("Hello there") == []
    assert splitter.feed(".") == []  # "there." might be "there.com"
    assert splitter.feed(" ") == []  # "Dr. Smith" waits for the next letter too
    assert splitter.feed("H") == ["Hello there."]
    assert splitter.pending == " H"
    assert splitter.feed("ow are you?\n") == ["How are you?"]
    assert splitter.flush() == []


def test_a_run_on_sentence_is_cut_at_a_pause_so_she_starts_speaking() -> None:
    text = "and then we walked, and talked, " * 20
    out = split(text, max_chars=60)
    assert all(len(s) <= 60 for s in out)
    assert all(s.endswith(",") for s in out[:-1])
    one_word = "x" * 130
    assert split(one_word, max_chars=60) == ["x" * 60, "x" * 60, "x" * 10]


def test_reset_forgets_what_was_pending() -> None:
    splitter = SentenceSplitter()
    splitter.feed("Half a sent")
    splitter.reset()
    assert splitter.flush() == []


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


reply_text = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Dr.",
                "e.g.",
                "3.5",
                "...",
                "…",
                "!",
                "?",
                ". ",
                ".\n",
                "\n",
                "\n\n",
                '"',
                "”",
                ")",
                "**",
                "1.",
                "J.",
                " ",
                "  ",
                "the",
                "The",
                "I",
                "ok",
                "Yes",
                "-",
                ",",
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=40,
).map("".join)


@FAST
@given(text=reply_text, cuts=st.lists(st.integers(min_value=1, max_value=9), max_size=30))
def test_chunking_never_changes_the_sentences(text: str, cuts: list[int]) -> None:
    whole = split(text, max_chars=40)
    splitter = SentenceSplitter(40)
    pieces: list[str] = []
    at = 0
    for size in cuts:
        pieces += splitter.feed(text[at : at + size])
        at += size
    pieces += splitter.feed(text[at:])
    pieces += splitter.flush()
    assert pieces == whole


@FAST
@given(text=reply_text)
def test_the_sentences_joined_give_back_the_text(text: str) -> None:
    out = split(text, max_chars=40)
    assert _squash("".join(out)) == _squash(text)
    assert all(s == s.strip() and s for s in out)


def test_speakable_drops_markdown_and_reads_links_as_words() -> None:
    assert speakable("**Hello**, _you_.") == "Hello, you."
    assert speakable("- a list item") == "a list item"
    assert speakable("2) second") == "second"
    assert speakable("## A heading") == "A heading"
    assert speakable("See [the docs](https://x.example/y) now.") == "See the docs now."
    assert speakable("Go to https://example.com/a?b=c today.") == "Go to a link today."
    assert speakable("`code` here") == "code here"
    assert speakable("---") == ""
    assert speakable("| --- | --- |") == ""
    assert speakable("🙂") == ""
    assert speakable("I love that 🙂.") == "I love that."


def test_code_fences_are_recognised() -> None:
    assert is_fence("```python")
    assert is_fence("  ~~~")
    assert not is_fence("Not ``` here")
