"""A keepsake tells someone what she was told about them, the verb agreeing with 'you':
an adverb between them is not a verb to cut ('you always wanted', not 'you alway wanted'),
and a verb in -ies keeps its y ('you study', not 'you studie')."""

from __future__ import annotations

import pytest

from samantha.voice.keepsake import to_them


@pytest.mark.parametrize(
    ("told", "said"),
    [
        ("My sister June always wanted a dog.", "you always wanted a dog"),
        ("June sometimes sings.", "you sometimes sing"),
        ("She perhaps knows.", "you perhaps know"),
        ("June studies law in Porto.", "you study law in Porto"),
        ("She tries so hard.", "you try so hard"),
        ("June flies to Rome next week.", "you fly to Rome next week"),
        ("June lies about her age.", "you lie about your age"),
        ("My sister June loves sunflowers.", "you love sunflowers"),
        ("June watches birds.", "you watch birds"),
        ("June goes running.", "you go running"),
        ("June is always late.", "you are always late"),
    ],
)
def test_the_verb_agrees_with_you(told: str, said: str) -> None:
    assert to_them(told, "sister", "June") == said
