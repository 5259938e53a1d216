"""The offline extractor on real people's words: LongMemEval-S user turns (MIT, Wu et al.,
ICLR 2025; /work/shared/data/longmemeval, see its README).

Questions are split in two by a hash of their id: ``dev`` is for working on the rules,
``heldout`` is what gets reported (never look at its sampled facts while changing rules).
From the chosen split it reads every user turn of ``--questions`` questions' haystacks (drawn
with a fixed seed) plus every evidence turn (``has_answer: true``) of the whole split, each
at its session's own date, and prints:

- the share of user *questions* (a turn ending in '?' or opening with a wh-word or an
  auxiliary) from which any fact was drawn; also for turns that are one question and nothing
  else (a turn that asks after telling, "I moved to Lisbon. Any tips?", may rightly yield one);
- the share of evidence turns from which at least one memory was drawn (higher is better);
- the share of facts whose words sit inside a sentence that asks (checked apart from the
  extractor's own reading of sentences; the target is 0);
- throughput, and ``--sample`` facts drawn at random (fixed seed) with their turn, to judge.

    python benchmarks/extraction.py --split heldout
    python benchmarks/extraction.py --split dev --questions 40 --sample 80
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import re
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from samantha.memory.extract import extract
from samantha.memory.sentences import AUXILIARIES, WH_WORDS, sentences

DATA = Path("/work/shared/data/longmemeval/longmemeval_s.json.xz")


@dataclass
class Turn:
    question_id: str
    text: str
    at: datetime
    evidence: bool


def split_of(question_id: str) -> str:
    return "dev" if zlib.crc32(question_id.encode()) % 2 == 0 else "heldout"


def _when(raw: str) -> datetime:
    """'2023/05/20 (Sat) 02:21' as an aware datetime (the data gives no zone: UTC)."""
    stamp = re.sub(r"\s*\(\w+\)\s*", " ", raw).strip()
    return datetime.strptime(stamp, "%Y/%m/%d %H:%M").replace(tzinfo=UTC)


def load_turns(path: Path, split: str, questions: int, seed: int) -> list[Turn]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        items = json.load(handle)
    chosen = [item for item in items if split_of(item["question_id"]) == split]
    haystack_ids = {i["question_id"] for i in random.Random(seed).sample(chosen, questions)}
    turns: list[Turn] = []
    seen: set[tuple[str, str]] = set()
    for item in chosen:
        whole = item["question_id"] in haystack_ids
        for session, raw_date in zip(
            item["haystack_sessions"], item["haystack_dates"], strict=True
        ):
            at = _when(raw_date)
            for turn in session:
                if turn["role"] != "user" or not (whole or turn.get("has_answer")):
                    continue
                key = (turn["content"], raw_date)
                if key in seen:
                    continue  # haystacks share sessions; each turn is read once
                seen.add(key)
                turns.append(
                    Turn(item["question_id"], turn["content"], at, bool(turn.get("has_answer")))
                )
    return turns


def is_question(text: str) -> bool:
    stripped = text.strip()
    words = stripped.split(maxsplit=1)
    first = words[0].lower().strip(",.!?\"'") if words else ""
    return stripped.endswith("?") or first in WH_WORDS or first in AUXILIARIES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", choices=["dev", "heldout"], default="heldout")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    turns = load_turns(args.data, args.split, args.questions, args.seed)
    loaded = time.perf_counter() - started
    facts: list[tuple[Turn, str, str, str | None]] = []
    asked = asked_yield = pure = pure_yield = evidence = evidence_yield = 0
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    from_questions = 0
    for turn in turns:
        found = extract(turn.text, turn.at).facts
        asking = [" ".join(x.split()).lower() for x in sentences(turn.text) if is_question(x)]
        for fact in found:
            # Checked apart from the extractor's own reading: is the fact's opening inside a
            # sentence that asks?
            head = fact.text.rstrip(".!").lower()[:40]
            from_questions += any(head in sentence for sentence in asking)
            due = fact.due_at.date().isoformat() if fact.due_at else None
            facts.append((turn, fact.kind.value, fact.text, due))
            kinds[fact.kind.value] = kinds.get(fact.kind.value, 0) + 1
        if is_question(turn.text):
            asked += 1
            asked_yield += bool(found)
            if len(sentences(turn.text)) == 1:
                pure += 1
                pure_yield += bool(found)
        if turn.evidence:
            evidence += 1
            evidence_yield += bool(found)
    spent = time.perf_counter() - started

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} = {part / whole:.1%}" if whole else "n/a"

    print(f"LongMemEval-S, split {args.split}: {len(turns)} user turns read")
    print(f"  ({args.questions} haystacks, seed {args.seed}, plus every evidence turn)")
    print(f"questions yielding a fact:               {share(asked_yield, asked)}")
    print(f"one-sentence questions yielding a fact:  {share(pure_yield, pure)}")
    print(f"evidence turns yielding a memory:        {share(evidence_yield, evidence)}")
    print(f"facts found inside a question sentence:  {share(from_questions, len(facts))}")
    print(f"facts: {len(facts)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(f"extraction: {spent / max(1, len(turns)) * 1000:.2f} ms per turn (load {loaded:.1f} s)")
    print()
    rng = random.Random(args.seed)
    for number, (turn, kind, text, due) in enumerate(
        rng.sample(facts, min(args.sample, len(facts))), start=1
    ):
        said = " ".join(turn.text.split())
        said = said if len(said) <= 160 else said[:157] + "..."
        dated = f" [due {due}]" if due else ""
        print(f"{number:2}. {kind}: {text}{dated}")
        print(f"    from ({turn.at:%Y-%m-%d}{', evidence' if turn.evidence else ''}): {said}")


if __name__ == "__main__":
    main()
