"""The feeling of a text itself: valence, arousal and dominance as people rate sentences.

VADER alone reads valence only, and misses plain words of loss ("died", "devastated" are not in
its lexicon). Here a sentence is rated by word weights fitted to EmoBank's human ratings (about
10,000 sentences, each rated by readers and writers for valence, arousal and dominance) plus a
few sentence-level signals: VADER's compound and its word valences, and the length. The weights
live in ``affect_weights.tsv`` beside this file (its source and licence are in ``README.md``
there); ``benchmarks/appraisal.py --fit`` rebuilds it from EmoBank's train and dev splits, using
``features`` below, so the fit and the reading can never tokenise differently.

Rating a sentence is a dictionary look-up per word: microseconds, no heavy libraries. The file
is read once, on the first rating (about 20 ms).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("affect_weights.tsv")

#: The sentence-level signals, in the order of the weights file's ``@`` rows.
DENSE = ("compound", "positive", "negative", "log_length", "vader_sum", "vader_pos", "vader_neg")
#: EmoBank's scale runs from 1 to 5 with 3 as neutral; a reading of 3 +- 2 maps to 0 +- 1.
SCALE_MID, SCALE_HALF = 3.0, 2.0

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[!?]")
_NEGATORS = frozenset({"not", "no", "never", "nothing", "nobody", "cannot", "without", "nor"})
#: Crude suffix stripping: "died", "dies" and "dying" share a weight, which the ratings of
#: 8,000 sentences need (most inflected forms are seen once or never).
_SUFFIXES = ("'s", "ing", "ed", "ly", "es", "s")
#: Words after a negator that read as negated ("not happy" is its own word).
NEGATION_SPAN = 3


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case words and the marks ! and ? (they carry arousal and dominance)."""
    return _WORD.findall(text.lower())


def tokens(raw: list[str]) -> list[str]:
    """Stems, with the few words after a negator marked ``~`` and the negator itself ``NEG``."""
    out: list[str] = []
    left = 0
    for word in raw:
        if word in ("!", "?"):
            out.append(word)
            left = 0
        elif word.endswith("n't") or word in _NEGATORS:
            out.append("NEG")
            left = NEGATION_SPAN
        else:
            base = stem(word)
            out.append("~" + base if left > 0 else base)
            left = max(0, left - 1)
    return out


@dataclass(frozen=True, slots=True)
class Features:
    tokens: list[str]
    dense: tuple[float, ...]


def features(text: str, scores: Mapping[str, float], lexicon: Mapping[str, float]) -> Features:
    """What the weights are applied to: ``scores`` is VADER's ``polarity_scores(text)`` and
    ``lexicon`` VADER's word valences."""
    raw = words(text)
    toks = tokens(raw)
    root = math.sqrt(max(1, len(toks)))
    valences = [lexicon.get(w, 0.0) for w in raw]
    dense = (
        scores["compound"],
        scores["pos"],
        scores["neg"],
        math.log(max(1, len(toks))),
        sum(valences) / root,
        sum(1 for v in valences if v > 0) / root,
        sum(1 for v in valences if v < 0) / root,
    )
    return Features(toks, dense)


Triple = tuple[float, float, float]


@dataclass(frozen=True)
class AffectModel:
    """Linear weights for valence, arousal and dominance on EmoBank's 1-5 scale."""

    bias: Triple
    dense: tuple[Triple, ...]
    words: Mapping[str, Triple]

    def rate(self, found: Features) -> Triple:
        v, a, d = self.bias
        for value, (wv, wa, wd) in zip(found.dense, self.dense, strict=True):
            v, a, d = v + value * wv, a + value * wa, d + value * wd
        root = math.sqrt(max(1, len(found.tokens)))
        sv = sa = sd = 0.0
        for token in found.tokens:
            weight = self.words.get(token)
            if weight is not None:
                sv, sa, sd = sv + weight[0], sa + weight[1], sd + weight[2]
        return v + sv / root, a + sa / root, d + sd / root


def _triple(cells: list[str]) -> Triple:
    return float(cells[0]), float(cells[1]), float(cells[2])


def load(path: Path) -> AffectModel:
    """The weights file: ``#`` comments, ``@bias`` and one ``@<signal>`` row per name in
    ``DENSE``, then ``token<TAB>v<TAB>a<TAB>d`` rows."""
    named: dict[str, Triple] = {}
    table: dict[str, Triple] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, *cells = line.split("\t")
        (named if key.startswith("@") else table)[key.removeprefix("@")] = _triple(cells)
    return AffectModel(named["bias"], tuple(named[name] for name in DENSE), table)


@cache
def model() -> AffectModel:
    return load(WEIGHTS_FILE)


def to_unit(value: float) -> float:
    """A rating on EmoBank's 1-5 scale as -1..1 (3 is 0), clamped."""
    return max(-1.0, min(1.0, (value - SCALE_MID) / SCALE_HALF))
