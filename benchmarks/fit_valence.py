"""Does a valence model fitted to GoEmotions (Apache-2.0) tell her anything new on
EmpatheticDialogues? A tried idea for issue 21, kept so the answer can be checked: it does not.

GoEmotions (Demszky et al., ACL 2020; github google-research/google-research, folder
``goemotions/data``, Apache-2.0) is about 58,000 Reddit comments labelled with 27 emotions or
neutral. Its ``train.tsv`` / ``dev.tsv`` / ``test.tsv`` (text, comma-separated label ids,
comment id) and ``emotions.txt`` (the label names, one a line; ``labels.txt`` in some copies)
are read from ``--data-dir`` (default ``$SAMANTHA_APPRAISAL_DATA/goemotions``).

Each comment becomes *positive*, *negative* or *neither* by GoEmotions' own grouping
(``sentiment_dict.json``; the ambiguous emotions and neutral are *neither*); a comment with
both a positive and a negative emotion is left out. A three-class logistic regression on word
and word-pair features (contractions spelt out, the few words after a negator marked) is
fitted on train by mini-batch Adam, its L2 strength and epochs chosen on dev; test accuracy is
reported. A line's valence is then P(positive) - P(negative).

The question is whether that valence carries anything her existing signals do not: the
script adds it as one more per-line signal to ``appraisal.ceiling`` (a logistic regression of
the emotion's sign on her summed per-line signals, fitted on EmpatheticDialogues valid,
measured on test) and prints the ceiling with and without it. Measured 2026-12-05: 0.827
without, 0.825 with; a one-off try with a ridge regression on WordLlama sentence embeddings,
fitted to the same labels: 0.831; the same model fitted to XED (Helsinki-NLP/XED, 17,500
English film subtitles with Plutchik's emotions, CC BY 4.0) instead: 0.826, to both: 0.824;
mixed into her impulse at gains tuned on ED valid, the
walk's sign stayed at 0.75 (valid) at every gain, trading negatives for positives. GoEmotions'
comments are reactions to posts ("I died laughing"), not news told: "My dog died this
morning" reads +0.04. So no weights from it ship; the file this writes goes to the data
folder (``--out``), never into the package.

    python benchmarks/fit_valence.py
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

import appraisal

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "appraisal"

_CONTRACTIONS = (
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
)
_TOKEN = re.compile(r"[a-z]+|[!?.,;]|:\)|:\(|<3")
#: Words that turn what follows around ("not happy", "never again", "no one came").
_NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "dont",
     "didnt", "cant", "wont", "isnt", "wasnt", "couldnt", "wouldnt", "doesnt", "havent"}
)  # fmt: skip
#: Where a negation's reach ends: a clause break or a turn ("not bad, but ...").
_BREAKS = frozenset({".", ",", ";", "!", "?", "but"})
#: How many words after a negator read as negated.
NEGATION_SPAN = 3


def tokens(text: str) -> list[str]:
    """Lower-case words, with contractions spelt out (so chat's "don't" and a corpus's
    "do not" are one feature), a negator as ``NOT`` and the few words after it marked ``~``.
    Clause breaks are kept as ``|`` so that word pairs never span them."""
    lowered = text.lower().replace("\u2019", "'")
    for pattern, spelt in _CONTRACTIONS:
        lowered = pattern.sub(spelt, lowered)
    out: list[str] = []
    left = 0
    for word in _TOKEN.findall(lowered):
        if word in _BREAKS:
            left = 0
            if word in ("!", "?", "but"):
                out.append(word)
            out.append("|")
        elif word in _NEGATORS:
            out.append("NOT")
            left = NEGATION_SPAN
        else:
            out.append("~" + word if left > 0 else word)
            left = max(0, left - 1)
    return out


def features(text: str) -> list[str]:
    """Words and adjacent word pairs (``a b``) within a clause."""
    toks = tokens(text)
    words = [t for t in toks if t != "|"]
    pairs = [f"{a} {b}" for a, b in pairwise(toks) if "|" not in (a, b)]
    return words + pairs


Pair = tuple[float, float]


@dataclass(frozen=True)
class ValenceModel:
    """Logits of *negative* and *positive* against *neither* (whose logit is 0): a bias and
    one pair of weights per feature, applied to feature counts over sqrt(feature count)."""

    bias: Pair
    weights: Mapping[str, Pair]

    def probabilities(self, found: list[str]) -> tuple[float, float, float]:
        """P(negative), P(neither), P(positive)."""
        neg, pos = self.bias
        root = math.sqrt(max(1, len(found)))
        sn = sp = 0.0
        for feature in found:
            weight = self.weights.get(feature)
            if weight is not None:
                sn, sp = sn + weight[0], sp + weight[1]
        neg, pos = neg + sn / root, pos + sp / root
        top = max(neg, pos, 0.0)
        en, e0, ep = math.exp(neg - top), math.exp(-top), math.exp(pos - top)
        total = en + e0 + ep
        return en / total, e0 / total, ep / total

    def valence(self, text: str) -> float:
        """P(positive) - P(negative): -1..1, near 0 for a line that tells no feeling."""
        neg, _, pos = self.probabilities(features(text))
        return pos - neg


#: GoEmotions' own grouping of its emotions by sentiment (``sentiment_dict.json``).
POSITIVE = frozenset(
    {"admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
     "joy", "love", "optimism", "pride", "relief"}
)  # fmt: skip
NEGATIVE = frozenset(
    {"anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
     "fear", "grief", "nervousness", "remorse", "sadness"}
)  # fmt: skip
NEG, NEITHER, POS = 0, 1, 2


@dataclass(frozen=True)
class Example:
    text: str
    label: int


def examples(folder: Path, split: str, names: list[str]) -> list[Example]:
    out: list[Example] = []
    with (folder / f"{split}.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            text, ids, _ = line.rstrip("\n").split("\t")
            found = {names[int(i)] for i in ids.split(",")}
            pos, neg = bool(found & POSITIVE), bool(found & NEGATIVE)
            if pos and neg:
                continue
            out.append(Example(text, POS if pos else NEG if neg else NEITHER))
    return out


def label_names(folder: Path) -> list[str]:
    for name in ("emotions.txt", "labels.txt"):
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8").split()
    sys.exit(f"{folder} has no emotions.txt (GoEmotions' label names)")


Sparse = tuple[np.ndarray, np.ndarray, np.ndarray]  # feature ids, row starts, values


def encode(texts: list[list[str]], vocab: dict[str, int]) -> Sparse:
    """Rows of feature counts over sqrt(feature count), as ``ValenceModel`` applies them."""
    ids: list[int] = []
    starts = [0]
    values: list[float] = []
    for found in texts:
        counts = Counter(vocab[f] for f in found if f in vocab)
        root = math.sqrt(max(1, len(found)))
        ids.extend(counts)
        values.extend(n / root for n in counts.values())
        starts.append(len(ids))
    return np.array(ids, dtype=np.int64), np.array(starts), np.array(values, dtype=np.float32)


def rows(data: Sparse, chosen: np.ndarray) -> Sparse:
    ids, starts, values = data
    spans = [np.arange(starts[i], starts[i + 1]) for i in chosen]
    at = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
    lengths = np.array([len(s) for s in spans])
    return ids[at], np.concatenate([[0], np.cumsum(lengths)]), values[at]


def logits(w: np.ndarray, b: np.ndarray, data: Sparse) -> np.ndarray:
    ids, starts, values = data
    n = len(starts) - 1
    owner = np.repeat(np.arange(n), np.diff(starts))
    z = np.zeros((n, w.shape[1]), dtype=np.float32)
    np.add.at(z, owner, w[ids] * values[:, None])
    result: np.ndarray = z + b
    return result


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return result


def fit(
    data: Sparse, y: np.ndarray, size: int, l2: float, epochs: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch Adam on the softmax loss plus ``l2`` times the squared weights."""
    rng = np.random.default_rng(seed)
    w = np.zeros((size, 3), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    onehot = np.eye(3, dtype=np.float32)[y]
    step, rate, batch = 0, 0.01, 256
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            chosen = order[start : start + batch]
            part = rows(data, chosen)
            delta = (softmax(logits(w, b, part)) - onehot[chosen]) / len(chosen)
            owner = np.repeat(np.arange(len(chosen)), np.diff(part[1]))
            gw = l2 * w
            np.add.at(gw, part[0], delta[owner] * part[2][:, None])
            gb = delta.sum(axis=0)
            step += 1
            fix1, fix2 = 1 - 0.9**step, 1 - 0.999**step
            mw, vw = 0.9 * mw + 0.1 * gw, 0.999 * vw + 0.001 * gw * gw
            mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
            w -= rate * (mw / fix1) / (np.sqrt(vw / fix2) + 1e-8)
            b -= rate * (mb / fix1) / (np.sqrt(vb / fix2) + 1e-8)
    return w, b


def accuracy(w: np.ndarray, b: np.ndarray, data: Sparse, y: np.ndarray) -> float:
    return float((logits(w, b, data).argmax(axis=1) == y).mean())


def data_folder(given: str | None) -> Path:
    base = os.environ.get("SAMANTHA_APPRAISAL_DATA")
    return Path(given) if given else (Path(base) if base else DEFAULT_DATA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="holds goemotions/ and the ED CSVs")
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--out", help="weights file (default: valence_weights.tsv in --data-dir)")
    args = parser.parse_args()
    base = data_folder(args.data_dir)
    folder = base / "goemotions"
    names = label_names(folder)
    train, dev, test = (examples(folder, split, names) for split in ("train", "dev", "test"))
    found = [features(e.text) for e in train]
    seen: Counter[str] = Counter()
    for f in found:
        seen.update(set(f))
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in seen.items() if n >= args.min_count))}
    x = encode(found, vocab)
    y = np.array([e.label for e in train])
    x_dev = encode([features(e.text) for e in dev], vocab)
    y_dev = np.array([e.label for e in dev])
    print(
        f"GoEmotions: {len(train)} train, {len(dev)} dev, {len(test)} test; {len(vocab)} features"
    )
    scores: dict[tuple[float, int], float] = {}
    for l2 in (0.0, 1e-5):
        for epochs in (3, 6):
            w, b = fit(x, y, len(vocab), l2, epochs)
            scores[(l2, epochs)] = accuracy(w, b, x_dev, y_dev)
            print(f"  l2 {l2}, {epochs} epochs: dev accuracy {scores[(l2, epochs)]:.3f}")
    l2, epochs = max(scores, key=lambda k: scores[k])
    w, b = fit(x, y, len(vocab), l2, epochs)
    # Relative to *neither*: two logits per feature.
    rel = w[:, [NEG, POS]] - w[:, [NEITHER]]
    bias = b[[NEG, POS]] - b[NEITHER]
    model = ValenceModel(
        (float(bias[0]), float(bias[1])),
        {f: (float(rel[i, 0]), float(rel[i, 1])) for f, i in vocab.items()},
    )
    x_test = encode([features(e.text) for e in test], vocab)
    y_test = np.array([e.label for e in test])
    print(
        f"chosen l2 {l2}, {epochs} epochs; GoEmotions test accuracy (negative / neither / "
        f"positive) {accuracy(w, b, x_test, y_test):.3f}"
    )
    out = Path(args.out) if args.out else base / "valence_weights.tsv"
    lines = [
        "# Logits of negative and positive against neither, per feature (fit_valence.py).",
        "# Fitted on GoEmotions (Demszky et al. 2020, Apache-2.0) train split. Not shipped.",
        f"@bias\t{bias[0]:.4f}\t{bias[1]:.4f}",
    ]
    lines += [f"{f}\t{v[0]:.3f}\t{v[1]:.3f}" for f, v in sorted(model.weights.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    valid = appraisal.dialogues(appraisal.need(base / "ed_valid.csv"))
    talks = appraisal.dialogues(appraisal.need(base / "ed_test.csv"))
    print("figure | samantha | peer | ratio | target | met")
    print("(peer: her existing signals alone; both fitted on ED valid, measured on ED test)")
    _, without = appraisal.ceiling(valid, talks)
    _, with_news = appraisal.ceiling(valid, talks, extra=lambda text: [model.valence(text)])
    print(
        f"ED sign ceiling with GoEmotions valence added | {with_news:.3f} | {without:.3f} | "
        f"{with_news / without:.2f} | > peer | {'yes' if with_news > without else 'no'}"
    )


if __name__ == "__main__":
    main()
