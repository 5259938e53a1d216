"""The lexicon appraiser against a small labelled set we wrote, and its event tags."""

from __future__ import annotations

import statistics

import pytest

from samantha.state.appraisal import appraise

# (text, pleasure, arousal, dominance) as a reader would rate *her* reaction, each in [-1, 1].
LABELLED = [
    ("I love you so much!", 0.8, 0.5, 0.1),
    ("Thank you, that really helped.", 0.6, 0.2, 0.2),
    ("You're so smart, I'm impressed.", 0.6, 0.3, 0.3),
    ("You are stupid and useless.", -0.9, 0.6, -0.4),
    ("Shut up.", -0.6, 0.5, -0.4),
    ("whatever", -0.4, -0.3, -0.2),
    ("I had a rough day at work.", -0.3, -0.1, 0.0),
    ("I'm not happy about any of this.", -0.4, 0.1, 0.0),
    ("I'm not sad anymore, things are better.", 0.4, 0.1, 0.1),
    ("I'm really scared about the surgery tomorrow.", -0.3, 0.5, -0.2),
    ("WE WON THE GAME!!!", 0.7, 0.9, 0.2),
    ("I'm sorry, I didn't mean that.", 0.3, -0.1, 0.2),
    ("What do you think about love?", 0.2, 0.2, 0.1),
    ("Maybe we could talk later, if that's okay?", 0.1, -0.2, 0.2),
    ("Tell me the answer now.", -0.1, 0.3, -0.2),
    ("It's raining.", 0.0, -0.1, 0.0),
    ("My mother died last year and I still miss her.", -0.5, 0.0, 0.0),
    ("That's not bad at all!", 0.4, 0.3, 0.1),
    ("I'm exhausted and lonely.", -0.5, -0.3, -0.1),
    ("You're the best, thank you ❤", 0.8, 0.4, 0.2),
    ("Leave me alone.", -0.5, 0.1, -0.3),
    ("I got the job!! I'm so excited", 0.8, 0.8, 0.2),
    ("I'm worried I'm not good enough.", -0.4, 0.3, -0.1),
    ("Good morning, how are you?", 0.3, 0.1, 0.1),
]


def _correlation(xs: list[float], ys: list[float]) -> float:
    return statistics.correlation(xs, ys)


def test_appraiser_correlates_with_the_labelled_set() -> None:
    results = [appraise(text) for text, *_ in LABELLED]
    for dim, index in (("pleasure", 1), ("arousal", 2), ("dominance", 3)):
        labels = [row[index] for row in LABELLED]
        predicted = [getattr(r, dim) for r in results]
        r = _correlation(predicted, labels)
        print(f"{dim}: r = {r:.2f}")
        # Floors a little under the measured values (0.97, 0.88, 0.94 when written), so a
        # regression shows up here. The set is ours and small, so these are optimistic.
        assert r > {"pleasure": 0.85, "arousal": 0.7, "dominance": 0.7}[dim], (dim, r)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("I love you", "affection"),
        ("thanks so much", "gratitude"),
        ("you're brilliant", "praise"),
        ("you are useless", "insult"),
        ("leave me alone", "dismissal"),
        ("I feel so lonely", "sadness"),
        ("I'm terrified", "fear"),
        ("yay, great news", "joy"),
        ("I'm sorry", "apology"),
        ("are you happy?", "question_about_her"),
        ("my sister moved to Lisbon", "personal_disclosure"),
        ("I forgot to call, I broke my promise", "promise_broken"),
        ("I went for a run like I promised", "promise_kept"),
    ],
)
def test_event_tags(text: str, tag: str) -> None:
    assert tag in appraise(text).tags


@pytest.mark.parametrize(
    ("text", "absent"),
    [("I'm not happy", "joy"), ("I don't love you", "affection"), ("not scared at all", "fear")],
)
def test_negation_turns_tags_off(text: str, absent: str) -> None:
    assert absent not in appraise(text).tags


def test_intensity_raises_arousal() -> None:
    assert appraise("this is great!!!").arousal > appraise("this is great").arousal
    assert appraise("THIS IS GREAT").arousal > appraise("this is great").arousal


def test_a_huge_paste_is_appraised_quickly_and_safely() -> None:
    result = appraise("I love this. " * 100_000)
    assert -1 <= result.pleasure <= 1


def test_words_of_loss_are_read_as_sad() -> None:
    """The report's line: "died" and "devastated" matched none of the old appraiser's words."""
    from datetime import UTC, datetime

    from samantha.state.mood import PAD, Mood, Temperament

    result = appraise("My dad died last week and I am devastated")
    assert result.reading.pleasure < 0
    assert "sadness" in result.tags
    samantha = Temperament(baseline=PAD(pleasure=0.35, arousal=0.2, dominance=0.1), volatility=0.6)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    mood = Mood(pad=samantha.baseline, at=now).moved(result.impulse, samantha, now)
    assert mood.pad.pleasure < 0
    assert mood.name not in {"hostile", "exuberant"}


def test_a_wordless_message_has_no_feeling_to_read() -> None:
    for text in ["...", "?", "", "  "]:
        result = appraise(text)
        assert result.reading.distance() == 0
        assert abs(result.pleasure) < 1e-9


def test_the_shipped_weights_are_whole() -> None:
    from samantha.state import affect

    model = affect.load(affect.WEIGHTS_FILE)
    assert len(model.dense) == len(affect.DENSE)
    assert len(model.words) > 5000
    # Fitted on EmoBank's 1-5 scale: the bias sits near its neutral 3.
    assert all(2.5 < b < 3.5 for b in model.bias)


@pytest.mark.parametrize(
    "text",
    [
        "I'm so sorry to hear that.",
        "Sorry for your loss.",
        "so sorry about your dad",
        "I'm sorry you went through that",
    ],
)
def test_condolence_is_sad_news_not_an_apology(text: str) -> None:
    """Her own "sorry to hear that" used to read as an apology (+0.3) and cheer her."""
    result = appraise(text)
    assert "apology" not in result.tags
    assert "sadness" in result.tags
    assert result.pleasure < 0


@pytest.mark.parametrize("text", ["Sorry about that, my bad.", "I'm sorry I was rude"])
def test_an_apology_is_still_an_apology(text: str) -> None:
    assert "apology" in appraise(text).tags


def _words_part(text: str) -> float:
    """Her pleasure impulse less VADER's share: what the text's own reading gave."""
    from samantha.state import appraisal

    result = appraise(text)
    assert not result.tags
    return result.pleasure - appraisal.COMPOUND_WEIGHT * result.valence


@pytest.mark.parametrize(
    "text",
    [
        "How do I get the mould off the bathroom ceiling?",
        "Can you give me a list of dinners to cook this week",
        "What was the main cause of the First World War?",
    ],
)
def test_a_question_moves_her_less_than_news_would(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samantha.state import appraisal

    asked = _words_part(text)
    monkeypatch.setattr(appraisal, "ASKING_WEIGHT", 1.0)
    told = _words_part(text)
    assert abs(told) > 0.05
    assert abs(asked) < 0.5 * abs(told)  # 0.3 of it, unless the told impulse hit -1 or 1


@pytest.mark.parametrize("text", ["What a day.", "How lovely, the sun is out."])
def test_an_exclamation_is_not_a_question(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from samantha.state import appraisal

    plain = appraise(text).pleasure
    monkeypatch.setattr(appraisal, "ASKING_WEIGHT", 1.0)
    assert appraise(text).pleasure == plain
    monkeypatch.setattr(appraisal, "ASKING_WEIGHT", 0.0)
    assert appraise(text).pleasure == plain
