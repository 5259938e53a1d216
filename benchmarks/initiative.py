"""When she speaks first about "something heavy", is it heavy? The engine's test
(``samantha.engine.initiative``: a user line whose VADER valence is at most ``HEAVY_VALENCE``)
against conversations labelled with the speaker's emotion.

Data: EmpatheticDialogues (Rashkin et al. 2019, CC BY-NC 4.0, measured on only), one person
telling a listener about a situation labelled with one of 32 emotions. A conversation counts as
heavy when its emotion is negative (``VALENCE`` in benchmarks/appraisal.py; the four mixed
emotions are left out). The test fires when any of the speaker's lines (odd turns) passes it,
as the engine checks each of the user's lines since she last spoke first.

Figures: precision (of the conversations she would follow up as heavy, how many were) and
recall (of the heavy ones, how many she would follow up), on the test split; ``--split valid``
for choosing the threshold, ``--sweep`` to see others beside the shipped one.

And her diary's mood words (``samantha.engine.diary.moods_of``): her mood walked through each
conversation as the engine moves it (the person's lines, then hers at her self-influence, as in
benchmarks/appraisal.py), read as the diary reads the day's snapshots. The figures: how often
a heavy conversation's words include 'sad' or 'worried' and a light one's do not, and how
often a light one's include 'happy' or 'excited' and a heavy one's do not.

    python benchmarks/initiative.py                  # test split, shipped threshold
    python benchmarks/initiative.py --split valid --sweep

Data files: ``ed_test.csv`` / ``ed_valid.csv`` in ``--data-dir`` or ``$SAMANTHA_APPRAISAL_DATA``
(default ``../shared/data/appraisal`` beside the repository).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appraisal import SAMANTHA, VALENCE, Dialogue
from appraisal import dialogues as whole_dialogues
from samantha.engine.diary import feeling_word
from samantha.engine.initiative import HEAVY_VALENCE
from samantha.state.appraisal import appraise

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "appraisal"


def dialogues(path: Path) -> list[tuple[int, list[float]]]:
    """(label, the valence of each of the speaker's lines) per conversation (the whole one,
    not its repeated prefixes)."""
    out = []
    for talk in whole_dialogues(path):
        label = VALENCE.get(talk.emotion)
        if label is not None:
            out.append((label, [appraise(t).valence for t in talk.turns[::2]]))
    return out


def score(data: list[tuple[int, list[float]]], threshold: float) -> tuple[float, float, int]:
    fired = [(label, min(vs) <= threshold) for label, vs in data]
    hits = sum(1 for label, f in fired if f and label < 0)
    flagged = sum(1 for _, f in fired if f)
    heavy = sum(1 for label, _ in fired if label < 0)
    return hits / max(1, flagged), hits / max(1, heavy), flagged


def diary_words(talk: Dialogue) -> set[str]:
    """The mood words her diary would use for a day that held this conversation."""
    from datetime import UTC, datetime, timedelta

    from samantha.state.mood import Mood

    now = datetime(2026, 1, 1, 20, tzinfo=UTC)
    mood = Mood(pad=SAMANTHA.baseline, at=now)
    words = set()
    for index, text in enumerate(talk.turns):
        now += timedelta(minutes=1)
        scale = 1.0 if index % 2 == 0 else SAMANTHA.self_influence
        mood = mood.moved(appraise(text).impulse, SAMANTHA, now, scale=scale)
        words.add(feeling_word(mood.pad.pleasure, mood.pad.arousal, SAMANTHA.baseline))
    return words


def diary_figures(path: Path) -> None:
    low, high = {"sad", "worried"}, {"happy", "excited"}
    heavy: list[set[str]] = []
    light: list[set[str]] = []
    for talk in whole_dialogues(path):
        label = VALENCE.get(talk.emotion)
        if label is not None:
            (heavy if label < 0 else light).append(diary_words(talk))
    print(
        f"diary mood words: {sum(bool(w & low) for w in heavy) / len(heavy):.3f} of "
        f"{len(heavy)} heavy conversations say sad or worried, "
        f"{sum(not w & low for w in light) / len(light):.3f} of {len(light)} light ones do not; "
        f"{sum(bool(w & high) for w in light) / len(light):.3f} of light ones say happy or "
        f"excited, {sum(not w & high for w in heavy) / len(heavy):.3f} of heavy ones do not"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--split", choices=["test", "valid"], default="test")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    folder = Path(args.data_dir or os.environ.get("SAMANTHA_APPRAISAL_DATA") or DEFAULT_DATA)
    path = folder / f"ed_{args.split}.csv"
    if not path.exists():
        sys.exit(f"{path} is missing: put EmpatheticDialogues' CSVs there or pass --data-dir.")
    data = dialogues(path)
    heavy = sum(1 for label, _ in data if label < 0)
    print(f"EmpatheticDialogues {args.split}: {len(data)} conversations, {heavy} heavy")
    for threshold in [-0.2, -0.3, -0.4, -0.5, -0.6] if args.sweep else [HEAVY_VALENCE]:
        precision, recall, flagged = score(data, threshold)
        mark = "  (shipped)" if threshold == HEAVY_VALENCE else ""
        print(
            f"valence <= {threshold:+.1f}: precision {precision:.3f}, recall {recall:.3f}, "
            f"{flagged} followed up{mark}"
        )
    diary_figures(path)


if __name__ == "__main__":
    main()
