"""The offline voice brings back what she recalled in words that fit it."""

from __future__ import annotations

import random

from samantha.voice.compose import _recollection


def test_only_a_person_gets_asked_after() -> None:
    for seed in range(30):
        rng = random.Random(seed)
        about_anna = _recollection("My sister is called Anna.", rng)
        assert about_anna.endswith("have you heard from her lately?")
        about_sam = _recollection("My brother Sam lives in Leeds.", rng)
        assert about_sam.endswith("have you heard from him lately?")
        about_jo = _recollection("My friend Jo is moving away.", rng)
        assert about_jo.endswith("have you heard from them lately?")
        about_work = _recollection("I work as a nurse.", rng)
        assert "heard from" not in about_work
        assert about_work.startswith("You told me you work as a nurse;")


def test_she_does_not_reuse_a_phrase_from_her_last_replies_while_others_remain() -> None:
    from samantha.voice.compose import Unrepeating

    phrases = ["Who else knows about this?", "Tell me more, {{user}}?", "What happened next?"]
    for seed in range(30):
        rng = Unrepeating(seed, ["Hm. Who else knows about this?", "Tell me more, Theo?"])
        assert rng.choice(phrases) == "What happened next?"
        # Once everything has been said, she still answers.
        tired = Unrepeating(seed, [" ".join(phrases).replace("{{user}}", "Theo")])
        assert tired.choice(phrases) in phrases
