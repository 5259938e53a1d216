"""Her mood after one line told to her, from rest, exactly as the engine moves it.

The lines are people's own, from EmpatheticDialogues' *test* split (Rashkin et al. 2019; the
speaker's first line, as the corpus has it, lower-cased and tokenised), not written to fit the
appraiser; "Everything feels hopeless" is the line from the bug report (no test conversation
says hopeless). The engine calls ``appraise(text)`` then ``mood.moved(appraisal.impulse, ...)``,
and her own reply with ``scale=temperament.self_influence``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samantha.state.appraisal import appraise
from samantha.state.mood import PAD, Mood, Temperament, resting

T0 = datetime(2026, 1, 1, 20, tzinfo=UTC)
#: personas/samantha.yaml's temperament, the one that stayed "exuberant" through bad news.
SAMANTHA = Temperament(
    baseline=PAD(pleasure=0.35, arousal=0.2, dominance=0.1), volatility=0.6, half_life_hours=3
)
#: Names that do not fit hearing someone's grief or fear.
UNFITTING = {"hostile", "exuberant", "disdainful", "cheerful", "relaxed", "content"}

BAD_NEWS = {
    "grief": "the hardest time in my life was when my best friend died on christmas of 2007 .",
    "breakup": "my boyfriend of five years and i broke up . i do not know what to do with my life .",
    "loneliness": "hi , i feel so lonely sometimes because all my friends live in a different country",
    "fear": "i am so scared of bugs ! i found one in my hair yesterday and almost died",
    "hopelessness": "Everything feels hopeless",
}
#: The first ten first lines labelled joyful, excited or proud in the test split, in order.
GOOD_NEWS = [
    "i could not wait to go to the concert .",
    "i am so excited because i am finally going to visit my parents next month ! i did not see them for 3 years",
    "running my first ( and maybe only ! ) marathon felt like * such * a huge accomplishment !",
    "i was soooo excited to take our kids to disneyland for the first time !",
    "my family and i are going on vacation in a few weeks . we rented a largo beachfront condo and i can not wait !",
    "i am definitely a proud parent of our 15 year old -- she was determined to work this summer , and even with us",
    "i came home , and my wife showed me a picture in 4d of our future baby , my heart speeded so fast !",
    "i 'll always remember the day i learned i was pregnant with our first child -- halloween in chicago , and we w",
    "my best friend did amazing in school , despite having 2 children and not doing great academically in school .",
    "i decided a few months i was ready for a puppy , so i put the word out",
]


def hears(text: str, mood: Mood | None = None) -> Mood:
    start = mood or resting(SAMANTHA, T0)
    return start.moved(appraise(text).impulse, SAMANTHA, start.at + timedelta(minutes=1))


def replies(mood: Mood, text: str) -> Mood:
    impulse = appraise(text).impulse
    return mood.moved(impulse, SAMANTHA, mood.at + timedelta(minutes=1), scale=0.3)


@pytest.mark.parametrize("kind", sorted(BAD_NEWS))
def test_bad_news_saddens_her_with_a_fitting_name(kind: str) -> None:
    mood = hears(BAD_NEWS[kind])
    assert mood.pad.pleasure < 0, (kind, mood.pad)
    assert mood.name not in UNFITTING, (kind, mood.name, mood.pad)


def test_grief_makes_her_sad_not_anxious_or_hostile() -> None:
    assert hears(BAD_NEWS["grief"]).name == "sad"


def test_fear_unsettles_her() -> None:
    assert hears(BAD_NEWS["fear"]).name in {"anxious", "upset"}


def test_good_news_lifts_her() -> None:
    before = resting(SAMANTHA, T0)
    lifted = [text for text in GOOD_NEWS if hears(text, before).pad.pleasure > before.pad.pleasure]
    assert len(lifted) >= 8, sorted(set(GOOD_NEWS) - set(lifted))
    assert all(hears(text, before).name in {"exuberant", "cheerful"} for text in lifted)


@pytest.mark.parametrize("kind", sorted(BAD_NEWS))
def test_her_cheerful_reply_does_not_turn_bad_news_into_high_spirits(kind: str) -> None:
    sad = hears(BAD_NEWS[kind])
    after = replies(sad, "Ha! I love that. Oh, that's wonderful, I'm smiling!")
    assert appraise("Ha! I love that. Oh, that's wonderful, I'm smiling!").pleasure > 0.3
    assert after.pad.pleasure <= 0
    assert after.name not in {"exuberant", "cheerful", "hostile"}


def test_her_own_words_still_move_her_a_little() -> None:
    sad = hears(BAD_NEWS["grief"])
    after = replies(sad, "Oh no. I'm so sorry, that is awful.")
    assert after.pad.pleasure < sad.pad.pleasure


@pytest.mark.parametrize(
    "text", ["I passed my exam", "I got the job, I start in June!", "We bought our first house"]
)
def test_plain_good_news_lifts_her_whatever_its_words_weigh(text: str) -> None:
    # "exam" weighs low in the word ratings; the news is still good, and she is glad with him.
    assert "joy" in appraise(text).tags
    assert appraise(text).pleasure > 0
