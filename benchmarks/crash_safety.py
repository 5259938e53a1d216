"""Prints crash-safety figures: kill points tried and survived, racing writers, messages lost.

`samantha say` is SIGKILLed at seeded random moments (start-up, mid-reply, while closing the
database), each start on what the previous kill left; then several processes write one database
at once. The machinery is the fault suite's (tests/faults/crashes.py), so this needs a source
checkout: ``python benchmarks/crash_safety.py [--kills 200] [--seed N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kill points (default 50)")
    parser.add_argument("--lanes", type=int, default=4, help="databases killed in parallel")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the kill points")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of racing writers")
    parser.add_argument("--writers", type=int, default=3, help="writers per round")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(REPO.parent / "shared/data/tiktoken"))
    from tests.faults.crashes import concurrent_writers, describe, kill_campaign
    from tests.faults.zygote import Zygote
    from tests.test_cli import cli_env

    with tempfile.TemporaryDirectory(prefix="samantha-crash-") as scratch:
        root = Path(scratch)
        zygote = Zygote(cli_env(root / "unused"), root / "zygote")
        try:
            started = time.perf_counter()
            figures = kill_campaign(
                zygote, root / "kills", kills=args.kills, lanes=args.lanes, seed=args.seed
            )
            writers = concurrent_writers(
                zygote, root / "writers", rounds=args.rounds, writers=args.writers
            )
            figures.add(writers)
            elapsed = time.perf_counter() - started
        finally:
            zygote.close()
    print(f"seed {args.seed}, {args.lanes} databases killed in parallel, {elapsed:.1f} s")
    for line in describe(figures):
        print(line)
    for problem in figures.problems:
        print(f"PROBLEM: {problem}")
    ok = not figures.problems and figures.lost == 0 and figures.survived == figures.tried
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
