"""Her appraisal against text rated by people, and her mood against conversations labelled with
the speaker's emotion, beside VADER alone.

1. EmoBank (Buechel & Hahn 2017, CC BY-SA 4.0): ~10,000 sentences rated for valence, arousal
   and dominance. Sentence-level Pearson r of ``appraise(text).reading`` with the ratings on the
   test split, beside VADER's compound (valence, dominance) and its size (arousal).
2. EmpatheticDialogues (Rashkin et al. 2019, CC BY-NC 4.0, measured on only): each conversation
   is one person telling a listener about a situation labelled with one of 32 emotions. She
   starts from her resting mood (the persona's temperament) and hears it exactly as the engine
   does: the person's lines through ``appraise`` and ``Mood.moved``, the listener's lines as her
   own replies, ``scale=temperament.self_influence``. The figure is how often the sign of her
   pleasure after the person's last line matches the emotion's valence (``VALENCE`` below; the
   four mixed emotions are left out). Peer: the same walk with VADER's compound as the impulse.

3. Small talk (LongMemEval, Wu et al. 2025, MIT): people's turns in chats with an assistant
   (recipes, trips, code, questions), from 3,000 distinct sessions in a fixed shuffled order,
   cut into 1,000 runs of 8 turns. Heard a minute apart from her resting mood, plain talk
   should not leave her sad: the figure is the share of runs after which her pleasure is
   below 0 (lower is better).

Tuning rule: weights are fitted on EmoBank's train split with the ridge strength chosen on dev,
then refitted on train+dev (``--fit``); the empathy gains and the weight of a question's words
(``ASKING_WEIGHT``) were chosen on EmpatheticDialogues' validation split (``--split valid``)
with the small-talk drift beside it. The figures to quote are the test splits (the default).

    python benchmarks/appraisal.py                  # test-split figures
    python benchmarks/appraisal.py --split valid    # for tuning
    python benchmarks/appraisal.py --fit            # rebuild src/samantha/state/affect_weights.tsv

Data: ``emobank.csv`` (EmoBank's ``corpus/emobank.csv``) and ``ed_test.csv`` / ``ed_valid.csv``
(EmpatheticDialogues as one row per turn: dialogue_id, turns, text, emotion,
dialogue_emotion) in ``--data-dir`` or ``$SAMANTHA_APPRAISAL_DATA`` (default
``../shared/data/appraisal`` beside the repository); LongMemEval-S
(``longmemeval_s.json.xz``) in ``--longmemeval-dir`` or ``$LONGMEMEVAL_DIR`` (default
``../shared/data/longmemeval``). None of them is part of a clone.

Where to get them (public GitHub copies): ``emobank.csv`` is ``corpus/emobank.csv`` of
JULIELab/EmoBank; ``ed_test.csv`` / ``ed_valid.csv`` are ``data/ED/test.csv`` / ``valid.csv``
of wlr737/EMNLP2022-SEEK (EmpatheticDialogues lower-cased and tokenised as in MoEL/CEM, each
conversation also repeated as its growing prefixes, which ``dialogues`` folds back). Never
commit them; ED may be measured on, never shipped or trained on. ``--ceiling`` also prints the
ceiling on the person's lines alone, and ``fit_valence.py`` the ceiling with a GoEmotions
valence added (it adds nothing: the signal ED's labels need is not in how the lines read).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from samantha.state import affect
from samantha.state.appraisal import appraise, vader
from samantha.state.mood import PAD, Mood, Temperament

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "appraisal"
LONGMEMEVAL_DIR = ROOT.parent / "shared" / "data" / "longmemeval"

TARGETS = {"valence": 0.60, "arousal": 0.30, "dominance": 0.25}
TARGET_SIGN, TARGET_NEGATIVE = 0.85, 0.80

#: EmpatheticDialogues' 32 emotions by valence; surprised, sentimental, nostalgic and
#: anticipating are mixed (good or bad surprises, bittersweet memories) and left out.
VALENCE: dict[str, int] = {
    **dict.fromkeys(
        [
            "excited",
            "proud",
            "grateful",
            "joyful",
            "hopeful",
            "content",
            "confident",
            "caring",
            "trusting",
            "faithful",
            "prepared",
            "impressed",
        ],
        1,
    ),
    **dict.fromkeys(
        [
            "sad",
            "lonely",
            "afraid",
            "terrified",
            "angry",
            "furious",
            "annoyed",
            "disgusted",
            "jealous",
            "guilty",
            "ashamed",
            "embarrassed",
            "anxious",
            "apprehensive",
            "devastated",
            "disappointed",
        ],
        -1,
    ),
}

#: Her temperament as shipped in personas/samantha.yaml.
SAMANTHA = Temperament(
    baseline=PAD(pleasure=0.35, arousal=0.2, dominance=0.1),
    volatility=0.6,
    half_life_hours=3,
    self_influence=0.3,
)


def data_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("SAMANTHA_APPRAISAL_DATA") or DEFAULT_DATA)


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(
            f"{path} is missing: put EmoBank's corpus/emobank.csv and EmpatheticDialogues' "
            "test/valid CSVs there, or pass --data-dir."
        )
    return path


@dataclass(frozen=True)
class Rated:
    text: str
    split: str
    v: float
    a: float
    d: float


def emobank(folder: Path) -> list[Rated]:
    with need(folder / "emobank.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Rated(row["text"], row["split"], float(row["V"]), float(row["A"]), float(row["D"]))
            for row in csv.DictReader(handle)
        ]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    return statistics.correlation(list(xs), list(ys))


# -- the fit ---------------------------------------------------------------------------------


def fit(rows: list[Rated], out: Path) -> None:
    """Ridge regression of each rating on word weights and the sentence signals: the ridge
    strength per dimension is the one best on dev when fitted on train; the weights written
    are then refitted on train and dev together."""
    import numpy as np

    analyser = vader()
    found = {
        id(r): affect.features(r.text, analyser.polarity_scores(r.text), analyser.lexicon)
        for r in rows
    }
    train = [r for r in rows if r.split == "train"]
    dev = [r for r in rows if r.split == "dev"]

    def design(data: list[Rated], vocab: dict[str, int]) -> np.ndarray:
        matrix = np.zeros((len(data), len(vocab) + len(affect.DENSE)))
        for i, row in enumerate(data):
            f = found[id(row)]
            root = math.sqrt(max(1, len(f.tokens)))
            for token in f.tokens:
                j = vocab.get(token)
                if j is not None:
                    matrix[i, j] += 1 / root
            matrix[i, len(vocab) :] = f.dense
        return matrix

    def vocabulary(data: list[Rated]) -> dict[str, int]:
        seen: Counter[str] = Counter()
        for row in data:
            seen.update(set(found[id(row)].tokens))
        return {w: i for i, w in enumerate(sorted(w for w, n in seen.items() if n >= 2))}

    def solver(
        data: list[Rated], vocab: dict[str, int]
    ) -> Callable[[np.ndarray, float], tuple[np.ndarray, float]]:
        x = design(data, vocab)
        mean = x.mean(axis=0)
        centred = x - mean
        values, vectors = np.linalg.eigh(centred.T @ centred)

        def solve(y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
            w = vectors @ ((vectors.T @ (centred.T @ (y - y.mean()))) / (values + alpha))
            return w, float(y.mean() - mean @ w)

        return solve

    dims = ("v", "a", "d")
    vocab = vocabulary(train)
    solve = solver(train, vocab)
    x_dev = design(dev, vocab)
    chosen: dict[str, float] = {}
    for dim in dims:
        y = np.array([getattr(r, dim) for r in train])
        y_dev = np.array([getattr(r, dim) for r in dev])
        scores = {}
        for alpha in (0.3, 1.0, 3.0, 10.0, 30.0):
            w, b = solve(y, alpha)
            scores[alpha] = float(np.corrcoef(x_dev @ w + b, y_dev)[0, 1])
        chosen[dim] = max(scores, key=lambda k: scores[k])
        print(f"{dim}: dev r by ridge strength {scores}; chosen {chosen[dim]}")
    both = train + dev
    vocab = vocabulary(both)
    solve = solver(both, vocab)
    fitted = {dim: solve(np.array([getattr(r, dim) for r in both]), chosen[dim]) for dim in dims}
    n = len(vocab)
    lines = [
        "# Word weights for valence, arousal and dominance on EmoBank's 1-5 scale.",
        "# Fitted by benchmarks/appraisal.py --fit on EmoBank (Buechel & Hahn, 2017) train+dev",
        "# splits; licensed CC BY-SA 4.0 like EmoBank itself (see README.md beside this file).",
        "@bias\t" + "\t".join(f"{fitted[d][1]:.5f}" for d in dims),
    ]
    for k, name in enumerate(affect.DENSE):
        lines.append(f"@{name}\t" + "\t".join(f"{fitted[d][0][n + k]:.5f}" for d in dims))
    for word, j in sorted(vocab.items()):
        lines.append(word + "\t" + "\t".join(f"{fitted[d][0][j]:.4f}" for d in dims))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({n} words, ridge {chosen})")


# -- conversations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialogue:
    emotion: str
    turns: list[str]  # the person first, then the listener, alternating


def dialogues(path: Path) -> list[Dialogue]:
    """One row per turn, and each conversation repeated as its growing prefixes: keep the
    longest (a prefix shares its first turn and emotion with the next dialogue)."""
    by_id: dict[str, list[tuple[int, str, str]]] = {}
    with need(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_id.setdefault(row["dialogue_id"], []).append(
                (int(row["turns"]), row["text"], row["dialogue_emotion"])
            )
    whole: list[Dialogue] = []
    for rows in by_id.values():
        rows.sort()
        talk = Dialogue(rows[0][2], [text for _, text, _ in rows])
        if whole and whole[-1].emotion == talk.emotion and whole[-1].turns[0] == talk.turns[0]:
            if len(talk.turns) >= len(whole[-1].turns):
                whole[-1] = talk
            continue
        whole.append(talk)
    return whole


Impulse = Callable[[str], PAD]


def walk(talk: Dialogue, impulse: Impulse, temperament: Temperament) -> tuple[Mood, Mood]:
    """Her mood after the person's last line, and after the whole conversation."""
    now = datetime(2026, 1, 1, 20, tzinfo=UTC)
    mood = Mood(pad=temperament.baseline, at=now)
    after_person = mood
    for index, text in enumerate(talk.turns):
        now += timedelta(minutes=1)
        if index % 2 == 0:
            mood = mood.moved(impulse(text), temperament, now)
            after_person = mood
        else:
            mood = mood.moved(impulse(text), temperament, now, scale=temperament.self_influence)
    return after_person, mood


@dataclass(frozen=True)
class Signs:
    overall: float
    negative: float
    positive: float
    after_reply: float
    fitting_names: float  # negative emotions whose mood name is neither hostile nor exuberant
    count: int


def signs(talks: Iterable[Dialogue], impulse: Impulse) -> Signs:
    hits = {1: [0, 0], -1: [0, 0]}
    replies = names = negatives = 0
    for talk in talks:
        want = VALENCE.get(talk.emotion)
        if want is None:
            continue
        person, end = walk(talk, impulse, SAMANTHA)
        hits[want][0] += (person.pad.pleasure > 0) == (want > 0)
        hits[want][1] += 1
        replies += (end.pad.pleasure > 0) == (want > 0)
        if want < 0:
            negatives += 1
            names += person.name not in {"hostile", "exuberant"}
    total = hits[1][1] + hits[-1][1]
    return Signs(
        (hits[1][0] + hits[-1][0]) / total,
        hits[-1][0] / hits[-1][1],
        hits[1][0] / hits[1][1],
        replies / total,
        names / negatives,
        total,
    )


def small_talk(folder: Path, runs: int = 1000, length: int = 8) -> list[list[str]]:
    """Runs of LongMemEval's user turns (``longmemeval_s.json.xz``), or none if it is absent."""
    import json
    import lzma
    import random

    path = folder / "longmemeval_s.json.xz"
    if not path.is_file():
        return []
    sessions: dict[str, list[str]] = {}
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for item in json.load(handle):
            for sid, turns in zip(
                item["haystack_session_ids"], item["haystack_sessions"], strict=True
            ):
                sessions.setdefault(sid, [t["content"] for t in turns if t["role"] == "user"])
    order = sorted(sessions)
    random.Random(21).shuffle(order)
    said = [text for sid in order[:3000] for text in sessions[sid]]
    return [said[i : i + length] for i in range(0, len(said) - length + 1, length)][:runs]


def drift(runs: list[list[str]], impulse: Impulse) -> float:
    """The share of runs of plain talk after which her pleasure is below 0."""
    sad = 0
    for run in runs:
        now = datetime(2026, 1, 1, 20, tzinfo=UTC)
        mood = Mood(pad=SAMANTHA.baseline, at=now)
        for text in run:
            now += timedelta(minutes=1)
            mood = mood.moved(impulse(text), SAMANTHA, now)
        sad += mood.pad.pleasure < 0
    return sad / len(runs)


def ceiling(
    fit_on: list[Dialogue],
    measure_on: list[Dialogue],
    *,
    replies: bool = True,
    extra: Callable[[str], list[float]] | None = None,
) -> tuple[float, float]:
    """What any linear reading of her per-line signals could reach, even one fitted to the
    labels: a logistic regression of the emotion's sign on the person's lines' and her
    replies' summed signals (reading, VADER's compound, event tags), fitted on ``fit_on``.
    Returns its accuracy there and on ``measure_on``. A diagnostic, never shipped.

    ``replies=False`` leaves her replies' signals out (the person's lines alone, as her own
    words may only move her a little); ``extra`` adds a candidate signal per line, to see
    whether it carries anything the existing ones do not (``fit_valence.py`` uses it)."""
    import numpy as np

    from samantha.state.appraisal import TAG_IMPULSES

    use_replies = replies

    def signals(text: str) -> list[float]:
        a = appraise(text)
        r = a.reading
        found = [r.pleasure, r.arousal, r.dominance, a.valence]
        found += [float(t in a.tags) for t in TAG_IMPULSES]
        return found + (extra(text) if extra else [])

    def design(talks: list[Dialogue]) -> tuple[np.ndarray, np.ndarray]:
        rows, signs = [], []
        for talk in talks:
            if talk.emotion not in VALENCE:
                continue
            last = len(talk.turns) - 1 - (len(talk.turns) - 1) % 2
            person = np.sum([signals(t) for t in talk.turns[0 : last + 1 : 2]], axis=0)
            replies = [signals(t) for t in talk.turns[1:last:2]]
            hers = np.sum(replies, axis=0) if replies else np.zeros_like(person)
            if not use_replies:
                hers = np.zeros_like(person)
            rows.append(np.concatenate([person, hers, [float(bool(replies) and use_replies), 1.0]]))
            signs.append(VALENCE[talk.emotion] > 0)
        return np.array(rows, dtype=float), np.array(signs, dtype=float)

    x, y = design(fit_on)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0  # a signal that never varies (no replies) stays 0
    w = np.zeros(x.shape[1])
    for _ in range(50):  # Newton steps with a little ridge
        p = 1 / (1 + np.exp(-(x / scale) @ w))
        grad = (x / scale).T @ (p - y) / len(y) + 1e-3 * w
        hess = ((x / scale).T * (p * (1 - p))) @ (x / scale) / len(y) + 1e-3 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)

    def accuracy(xs: np.ndarray, ys: np.ndarray) -> float:
        return float((((xs / scale) @ w > 0) == (ys > 0.5)).mean())

    return accuracy(x, y), accuracy(*design(measure_on))


def vader_impulse(text: str) -> PAD:
    compound = float(vader().polarity_scores(text[:1000])["compound"])
    return PAD(pleasure=compound, arousal=abs(compound) * 0.5, dominance=compound * 0.5)


# -- report ------------------------------------------------------------------------------------


def row(name: str, ours: float, peer: float, target: str, met: bool | None) -> str:
    ratio = f"{ours / peer:.2f}" if peer and not math.isnan(peer) else "-"
    verdict = "-" if met is None else "yes" if met else "no"
    return f"{name} | {ours:.3f} | {peer:.3f} | {ratio} | {target} | {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--split", choices=("test", "valid"), default="test")
    parser.add_argument("--fit", action="store_true", help="rebuild the affect weights")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also fit a logistic regression of the sign on her signals (valid -> test)",
    )
    parser.add_argument(
        "--longmemeval-dir",
        default=os.environ.get("LONGMEMEVAL_DIR", str(LONGMEMEVAL_DIR)),
        help="LongMemEval-S for the small-talk drift",
    )
    args = parser.parse_args()
    folder = data_dir(args.data_dir)
    rated = emobank(folder)
    if args.fit:
        fit(rated, affect.WEIGHTS_FILE)
        affect.model.cache_clear()
    emo_split = "test" if args.split == "test" else "dev"
    chosen = [r for r in rated if r.split == emo_split]
    appraise("warm-up")
    readings = []
    costs: list[float] = []
    for r in chosen:
        started = time.perf_counter()
        readings.append(appraise(r.text))
        costs.append((time.perf_counter() - started) * 1000)
    costs.sort()
    per_sentence_ms = statistics.median(costs)
    p95_ms = costs[int(0.95 * len(costs))]
    compound = [float(vader().polarity_scores(r.text)["compound"]) for r in chosen]
    ours = {
        "valence": pearson([x.reading.pleasure for x in readings], [r.v for r in chosen]),
        "arousal": pearson([x.reading.arousal for x in readings], [r.a for r in chosen]),
        "dominance": pearson([x.reading.dominance for x in readings], [r.d for r in chosen]),
    }
    peer = {
        "valence": pearson(compound, [r.v for r in chosen]),
        "arousal": pearson([abs(c) for c in compound], [r.a for r in chosen]),
        "dominance": pearson(compound, [r.d for r in chosen]),
    }
    impulse = {
        "valence": pearson([x.pleasure for x in readings], [r.v for r in chosen]),
        "arousal": pearson([x.arousal for x in readings], [r.a for r in chosen]),
        "dominance": pearson([x.dominance for x in readings], [r.d for r in chosen]),
    }
    talks = dialogues(need(folder / f"ed_{args.split}.csv"))
    mine = signs(talks, lambda text: appraise(text).impulse)
    theirs = signs(talks, vader_impulse)
    print(
        f"EmoBank {emo_split} split: {len(chosen)} sentences; EmpatheticDialogues "
        f"{args.split} split: {mine.count} conversations with a clearly good or bad emotion. "
        "peer = VADER alone."
    )
    print("figure | samantha | peer | ratio | target | met")
    for dim, target in TARGETS.items():
        print(row(f"{dim} r (EmoBank)", ours[dim], peer[dim], f">= {target}", ours[dim] >= target))
    for dim in TARGETS:
        print(row(f"{dim} r of her impulse (EmoBank)", impulse[dim], peer[dim], "-", None))
    print(
        row(
            "mood sign matches emotion (ED)",
            mine.overall,
            theirs.overall,
            f">= {TARGET_SIGN}",
            mine.overall >= TARGET_SIGN,
        )
    )
    print(
        row(
            "  on negative emotions",
            mine.negative,
            theirs.negative,
            f">= {TARGET_NEGATIVE}",
            mine.negative >= TARGET_NEGATIVE,
        )
    )
    print(row("  on positive emotions", mine.positive, theirs.positive, "-", None))
    print(row("  after her own last reply too", mine.after_reply, theirs.after_reply, "-", None))
    print(
        row(
            "negative emotions not named hostile/exuberant",
            mine.fitting_names,
            theirs.fitting_names,
            "-",
            None,
        )
    )
    if args.ceiling:
        valid = dialogues(need(folder / "ed_valid.csv"))
        fitted, measured = ceiling(valid, talks)
        print(
            f"  ceiling: a logistic regression of the sign on her per-line signals, fitted on "
            f"ED valid | {measured:.3f} | - | - | - | - (on valid itself {fitted:.3f})"
        )
        fitted, measured = ceiling(valid, talks, replies=False)
        print(
            f"  ceiling on the person's lines alone (her replies left out) | {measured:.3f} "
            f"| - | - | - | - (on valid itself {fitted:.3f})"
        )
    runs = small_talk(Path(args.longmemeval_dir))
    if runs:
        ours_drift = drift(runs, lambda text: appraise(text).impulse)
        peer_drift = drift(runs, vader_impulse)
        print(
            f"small talk left her sad (LongMemEval, {len(runs)} runs of 8 user turns) | "
            f"{ours_drift:.3f} | {peer_drift:.3f} | - | lower | -"
        )
    else:
        print("small talk left her sad | not measured | - | - | - | - (no LongMemEval data)")
    print(
        "model appraiser (settings.appraiser = model) | not measured | - | - | - | - "
        "(it needs a model server or recorded judgements; none are shipped)"
    )
    print(
        f"appraisal cost per sentence, median (ms) | {per_sentence_ms:.3f} | - | - | < 1 | "
        f"{'yes' if per_sentence_ms < 1 else 'no'}"
    )
    print(f"appraisal cost per sentence, p95 (ms) | {p95_ms:.3f} | - | - | - | -")


if __name__ == "__main__":
    main()
