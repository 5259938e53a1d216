"""Her recall on LongMemEval-S (Wu et al., ICLR 2025; MIT licence) beside the harness's BM25.

For each answerable question, a fresh memory database imports that question's haystack (about
50 sessions, ~500 messages, each with its own speaker and date) through the public API
(``samantha.memory.open_memory`` and ``MemoryBank.import_log``), then ``MemoryBank.messages_for``
is asked the question at the question's own date. Only the question, its date and the haystack
are used; the answers and evidence labels are never seen. The metric is the harness's own
(``recall.py`` beside the data, imported and called): turn R@k = the fraction of evidence turns
in the top k, session all@k = all evidence sessions among the sessions of the top k turns.

Search latency is the harness's wall clock around ``search`` (BM25 timed in the same loop), plus
this process's CPU time, which other load on a shared machine skews least; the load average is
printed before and after the run. The memory is searched as a session would search it: opened
and warmed (``import_log`` ends with ``MemoryBank.warm``, one throwaway recall that prepares the
SQLite statements once per connection), not as the first statement of a new process.

Tuning rule: the 499 questions are split by a hash of their id into a dev half and a test half
(``--split dev|test|all``); weights are chosen on dev only and the test half is reported.

    python benchmarks/longmemeval.py --split test            # the figures to quote
    python benchmarks/longmemeval.py --split dev --limit 60  # quick iteration
    python benchmarks/longmemeval.py --types multi-session --no-semantic

The data is read from ``../shared/data/longmemeval`` beside the repository (``--data-dir`` or
``$LONGMEMEVAL_DIR`` to point elsewhere); it is not part of a clone.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from samantha.domain.conversation import Role
from samantha.memory import Line, MemoryBank, open_memory
from samantha.memory.bank import QUESTION_SETTINGS
from samantha.memory.recall import RecallSettings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "longmemeval"
TYPES = [
    "single-session-user",
    "single-session-assistant",
    "single-session-preference",
    "multi-session",
    "knowledge-update",
    "temporal-reasoning",
]
#: Targets of project issue 21.
TARGET_TURN10 = 0.90
TARGET_ALL10 = 0.95
TARGET_P95_MS = 10.0


def split_of(question_id: str) -> str:
    """dev or test, fixed by the id alone (so no one can move a question between halves)."""
    digest = hashlib.sha256(question_id.encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def load_harness(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("longmemeval_recall", folder / "recall.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the harness {folder / 'recall.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _when(iso: str | None) -> datetime:
    return (
        datetime.fromisoformat(iso).replace(tzinfo=UTC) if iso else datetime(2023, 1, 1, tzinfo=UTC)
    )


class SamanthaRetriever:
    """The harness's retriever interface over the public memory API."""

    settings: RecallSettings = QUESTION_SETTINGS
    semantic = True
    learn = False
    workdir = Path(tempfile.gettempdir())
    #: Process CPU time of each search: what other load on a shared machine skews least.
    cpu_ms: list[float] = []

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="lme-", dir=self.workdir))
        self.bank: MemoryBank = open_memory(
            self._folder / "memory.db", settings=self.settings, semantic=self.semantic
        )
        self._turn_of: dict[int, str] = {}

    def ingest(self, turns: list[dict[str, Any]]) -> None:
        lines = [
            Line(
                text=t["text"] or "",
                speaker="user" if t["role"] == "user" else "assistant",
                role=Role.USER if t["role"] == "user" else Role.ASSISTANT,
                at=_when(t["timestamp"]),
                conversation=str(t["session_id"]),
            )
            for t in turns
        ]
        imported = self.bank.import_log(lines, learn=self.learn)
        self._turn_of = {m: t["id"] for m, t in zip(imported.message_ids, turns, strict=True)}

    def search(self, question: str, k: int, question_date: str | None = None) -> list[str]:
        spent = time.process_time()
        found = self.bank.messages_for(question, k, now=_when(question_date))
        SamanthaRetriever.cpu_ms.append((time.process_time() - spent) * 1000)
        return [self._turn_of[m] for m in found if m in self._turn_of]

    def close(self) -> None:
        self.bank.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def _closing(factory: type[SamanthaRetriever]) -> Any:
    """One retriever per question, closed when the next is made (the harness only creates)."""
    last: list[SamanthaRetriever] = []

    def make() -> SamanthaRetriever:
        while last:
            last.pop().close()
        made = factory()
        last.append(made)
        return made

    def finish() -> None:
        while last:
            last.pop().close()

    return make, finish


def _per_type(result: dict[str, Any], half: str = "all") -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in result["per_question"]:
        if half != "all" and split_of(row["question_id"]) != half:
            continue
        for name in (row["question_type"], "overall"):
            for key in ("turn@5", "turn@10", "all@10"):
                if key in row:
                    rows[name][key].append(row[key])
            rows[name]["latency"].append(row["latency_ms"])
    out: dict[str, dict[str, float]] = {}
    for name, metrics in rows.items():
        lat = sorted(metrics["latency"])
        out[name] = {
            "n": float(len(lat)),
            "turn@5": statistics.fmean(metrics["turn@5"]) if metrics["turn@5"] else float("nan"),
            "turn@10": statistics.fmean(metrics["turn@10"]) if metrics["turn@10"] else float("nan"),
            "all@10": statistics.fmean(metrics["all@10"]) if metrics["all@10"] else float("nan"),
            "p95": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
        }
    return out


def report(ours: dict[str, Any], peer: dict[str, Any], half: str, no_semantic: bool) -> None:
    """The per-type table and the headline figures for one half (or all) of the questions."""
    mine, theirs = _per_type(ours, half), _per_type(peer, half)

    print(
        f"\nLongMemEval-S, split={half}, {int(mine['overall']['n'])} answerable questions; "
        f"samantha (public memory API{'' if not no_semantic else ', words only'}) vs "
        "the harness's BM25"
    )
    print(
        "| question type | n | turn R@5 | BM25 | turn R@10 | BM25 | session all@10 | BM25 "
        "| search p95 ms | BM25 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in [t for t in TYPES if t in mine] + ["overall"]:
        a, b = mine[name], theirs[name]
        print(
            f"| {name} | {int(a['n'])} | {a['turn@5']:.3f} | {b['turn@5']:.3f} "
            f"| {a['turn@10']:.3f} | {b['turn@10']:.3f} | {a['all@10']:.3f} | {b['all@10']:.3f} "
            f"| {a['p95']:.2f} | {b['p95']:.2f} |"
        )
    a, b = mine["overall"], theirs["overall"]
    worse = [t for t in TYPES if t in mine and mine[t]["turn@10"] < theirs[t]["turn@10"]]
    print("\n| figure | samantha | peer | ratio | target | met |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    rows = [
        (
            "turn R@10",
            a["turn@10"],
            b["turn@10"],
            f">= {TARGET_TURN10}",
            a["turn@10"] >= TARGET_TURN10,
        ),
        ("turn R@5", a["turn@5"], b["turn@5"], "> BM25", a["turn@5"] > b["turn@5"]),
        (
            "session all@10",
            a["all@10"],
            b["all@10"],
            f">= {TARGET_ALL10}",
            a["all@10"] >= TARGET_ALL10,
        ),
        ("search p95 ms", a["p95"], b["p95"], f"< {TARGET_P95_MS}", a["p95"] < TARGET_P95_MS),
    ]
    for name, x, y, target, met in rows:
        print(
            f"| {name} | {x:.3f} | {y:.3f} | {x / y if y else float('nan'):.2f} | {target} | {'yes' if met else 'no'} |"
        )
    print(
        f"| types with turn R@10 below BM25 | {len(worse)} | 0 | - | 0 | "
        f"{'yes' if not worse else 'no: ' + ', '.join(worse)} |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--data-dir", default=os.environ.get("LONGMEMEVAL_DIR", str(DEFAULT_DIR)))
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ap.add_argument("--limit", type=int, default=0, help="first N answerable questions")
    ap.add_argument("--types", default="", help="comma-separated question types")
    ap.add_argument("--no-semantic", action="store_true", help="words alone (no local vectors)")
    ap.add_argument("--learn", action="store_true", help="also extract facts from each message")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a RecallSettings weight (for tuning on dev)",
    )
    args = ap.parse_args(argv)

    folder = Path(args.data_dir)
    data = folder / "longmemeval_s.json.xz"
    if not (folder / "recall.py").is_file() or not data.is_file():
        print(
            f"LongMemEval data is missing: no recall.py and longmemeval_s.json.xz in {folder} "
            "(it lives in the shared folder beside the repository, not in a clone; "
            "pass --data-dir or set LONGMEMEVAL_DIR).",
            file=sys.stderr,
        )
        return 2
    harness = load_harness(folder)
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = float(value)
    # Validated, so a whole-number setting (dense_always=12) is an int, not 12.0.
    SamanthaRetriever.settings = RecallSettings.model_validate(
        {**QUESTION_SETTINGS.model_dump(), **overrides}
    )
    SamanthaRetriever.semantic = not args.no_semantic
    SamanthaRetriever.learn = args.learn
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        SamanthaRetriever.workdir = shm

    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    items = harness.load_items(str(data))
    items = [i for i in items if args.split == "all" or split_of(i["question_id"]) == args.split]
    types = {t.strip() for t in args.types.split(",") if t.strip()} or None
    print(
        f"loaded {len(items)} questions ({args.split}) in {time.perf_counter() - started:.1f}s; "
        f"settings {SamanthaRetriever.settings.model_dump()}; semantic={not args.no_semantic}",
        file=sys.stderr,
    )
    make, finish = _closing(SamanthaRetriever)
    try:
        ours = harness.evaluate(items, make, [5, 10], limit=args.limit, types=types)
    finally:
        finish()
    peer = harness.evaluate(
        items, harness.BM25Retriever, [5, 10], limit=args.limit, types=types, progress=False
    )
    halves = ["all", "test"] if args.split == "all" else [args.split]
    for half in halves:
        report(ours, peer, half, args.no_semantic)
    cpu = sorted(SamanthaRetriever.cpu_ms)
    if cpu:
        print(
            f"\nsearch CPU time (all asked): p50 {cpu[len(cpu) // 2]:.2f} ms, "
            f"p95 {cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))]:.2f} ms"
        )
    if load_before is not None:
        after = os.getloadavg()
        print(
            f"load average (1, 5, 15 min) on {os.cpu_count()} CPUs: before "
            f"{', '.join(f'{x:.2f}' for x in load_before)}, after "
            f"{', '.join(f'{x:.2f}' for x in after)}"
        )
    print(
        f"ingest {1000 * ours['ingest_s'] / max(1, ours['asked']):.0f} ms per question "
        f"(BM25 {1000 * peer['ingest_s'] / max(1, peer['asked']):.0f} ms); "
        f"wall {ours['wall_s']:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
