"""Prints the lexicon appraisal cost per message (µs) and the whole mood + relationship update."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from samantha.appraisal import appraise
from samantha.mood import Mood, Temperament
from samantha.relationship import Relationship, RelationshipSettings, on_message

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
    elapsed = time.perf_counter() - started
    print(f"(total benchmark time {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
