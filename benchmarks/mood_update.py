"""Prints the lexicon appraisal cost per message (µs) and the whole mood + relationship update,
then how her feelings behave over a warm evening: where ten warm messages leave her pleasure, how
far one hurt then drops it, and how many messages it takes to stop being a stranger."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from samantha.state.appraisal import appraise
from samantha.state.mood import Mood, Temperament
from samantha.state.relationship import Relationship, RelationshipSettings, on_message

WARM = [
    "Thank you so much, you're wonderful!",
    "I really like you, you know.",
    "You make me so happy.",
    "I love talking with you.",
]

SAMPLES = [
    "I had a rough day at work and my boss yelled at me.",
    "Thank you so much, you're wonderful!",
    "You are useless.",
    "I'm sorry, I didn't mean it.",
    "What do you think about when I'm away?",
    "My sister Anna is moving to Lisbon next month and I'm going to miss her.",
    "lol ok",
    "WE WON!!! I can't believe it 🎉",
    "I'm not happy about any of this, honestly.",
    "Maybe we could talk about something else?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    rng = random.Random(7)
    appraise("warm-up")  # loads VADER's lexicon once (reported separately below)
    started = time.perf_counter()
    messages = [rng.choice(SAMPLES) for _ in range(20_000)]
    costs: list[float] = []
    for text in messages:
        t = time.perf_counter()
        appraise(text)
        costs.append((time.perf_counter() - t) * 1e6)
    print(
        f"appraisal (lexicon): p50 {statistics.median(costs):.0f} µs, "
        f"p95 {percentile(costs, 0.95):.0f} µs over {len(costs)} messages"
    )

    temperament, settings = Temperament(), RelationshipSettings()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    mood, bond = Mood(pad=temperament.baseline, at=now), Relationship(at=now)
    updates: list[float] = []
    for text in messages[:5000]:
        now += timedelta(minutes=3)
        t = time.perf_counter()
        appraisal = appraise(text)
        mood = mood.moved(appraisal.impulse, temperament, now)
        bond, _ = on_message(bond, settings, appraisal.tags, now)
        updates.append((time.perf_counter() - t) * 1e6)
    print(
        f"mood + relationship update per turn (incl. appraisal): p50 "
        f"{statistics.median(updates):.0f} µs, p95 {percentile(updates, 0.95):.0f} µs"
    )
    character(temperament, settings)
    elapsed = time.perf_counter() - started
    print(f"(total benchmark time {elapsed:.1f} s)")


def character(temperament: Temperament, settings: RelationshipSettings) -> None:
    """The shape of her feelings: these numbers should not drift without a reason."""
    now = datetime(2026, 1, 1, 20, tzinfo=UTC)
    mood = Mood(pad=temperament.baseline, at=now)
    lifts: list[float] = []
    for turn in range(10):
        before = mood.pad.pleasure
        text = WARM[turn % len(WARM)]
        mood = mood.moved(appraise(text).impulse, temperament, now + timedelta(minutes=turn))
        lifts.append(mood.pad.pleasure - before)
    hurt = mood.moved(appraise("You are useless.").impulse, temperament, now + timedelta(hours=1))
    print(
        f"ten warm messages: pleasure {temperament.baseline.pleasure:+.2f} → "
        f"{mood.pad.pleasure:+.2f} (first lift {lifts[0]:+.2f}, last {lifts[-1]:+.2f}); "
        f"a hurt then: {hurt.pad.pleasure - mood.pad.pleasure:+.2f}"
    )
    stage = settings.stages[0].name
    for evening in range(1, 100):
        bond = Relationship(at=now)
        for turn in range(evening):
            bond, _ = on_message(bond, settings, [], now + timedelta(minutes=2 * turn))
            stage = bond.stage(settings)
        bond, _ = on_message(bond, settings, [], now + timedelta(days=1))
        if bond.stage_index > 0:
            break
    print(
        f"plain messages on a first evening before she knows him the next day: {evening} "
        f"(after the last of them she is still a {stage}; the next day, {bond.stage(settings)})"
    )


if __name__ == "__main__":
    main()
