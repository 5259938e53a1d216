"""Prints cold-start time (p50/p95 s) of `samantha --version` and `samantha say`, and imports."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WARMUP_RUNS = 2
RUNS = 15
IMPORTTIME_RUNS = 3
TARGETS_S = {"--version": 0.3, "say": 0.5}  # issue 17: say < 0.5 s p95
SAY_TEXT = "hello there"

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


@dataclass(frozen=True)
class Stats:
    p50: float
    p95: float
    low: float
    high: float


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _stats(values: list[float]) -> Stats:
    ordered = sorted(values)
    return Stats(
        p50=statistics.median(ordered),
        p95=_percentile(ordered, 95),
        low=ordered[0],
        high=ordered[-1],
    )


def _base_env(home: Path) -> dict[str, str]:
    """The parent's environment minus anything that could pick another backend or user data."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAMANTHA_") and k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}
    }
    env["SAMANTHA_HOME"] = str(home)
    env["SAMANTHA_OFFLINE_PACE"] = "0"
    # As an installed samantha runs: from bytecode. With PYTHONDONTWRITEBYTECODE (set on
    # these machines) every run compiled ~80 modules from source, ~80 ms no user pays;
    # the cache goes to a scratch folder, never into the checkout.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "samantha-bench-pycache")
    shared = Path(__file__).resolve().parents[2] / "shared/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in env and shared.is_dir():
        env["TIKTOKEN_CACHE_DIR"] = str(shared)
    return env


EnvFactory = Callable[[], dict[str, str]]


def _run_once(argv: list[str], env: dict[str, str], *, expect_output: bool = True) -> float:
    began = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=False)
    elapsed = time.perf_counter() - began
    if proc.returncode != 0 or (expect_output and not proc.stdout.strip()):
        raise SystemExit(
            f"{' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return elapsed


def _time_interleaved(
    cases: list[tuple[list[str], EnvFactory]], *, expect_output: bool = True
) -> list[Stats]:
    """Warm each case up, then time them round-robin so background load hits all alike."""
    for argv, env_for_run in cases:
        for _ in range(WARMUP_RUNS):
            _run_once(argv, env_for_run(), expect_output=expect_output)
    samples: list[list[float]] = [[] for _ in cases]
    for _ in range(RUNS):
        for index, (argv, env_for_run) in enumerate(cases):
            samples[index].append(_run_once(argv, env_for_run(), expect_output=expect_output))
    return [_stats(values) for values in samples]


def _line(label: str, stats: Stats, target: float | None) -> str:
    text = (
        f"{label}: p50={stats.p50:.3f} s p95={stats.p95:.3f} s "
        f"(min {stats.low:.3f}, max {stats.high:.3f}, n={RUNS})"
    )
    if target is not None:
        verdict = "ok" if stats.p95 < target else "OVER TARGET"
        text += f" target < {target:g} s: {verdict}"
    return text


#: What `samantha say` imports: the CLI, and the companion with the factory that builds her
#: (the engine package itself loads its names on first use, so importing it alone is cheap).
SAY_IMPORTS = "samantha.cli.main, samantha.engine.factory, samantha.engine.companion"


def _importtime(env: dict[str, str]) -> list[tuple[int, str, float, float]]:
    """(depth, module, self ms, cumulative ms), the fastest of a few runs per module."""
    best: dict[str, tuple[int, float, float]] = {}
    order: list[str] = []
    for _ in range(IMPORTTIME_RUNS):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {SAY_IMPORTS}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        for raw in proc.stderr.splitlines():
            match = _IMPORT_LINE.match(raw)
            if not match:
                continue
            own, cumulative = int(match[1]) / 1000, int(match[2]) / 1000
            depth, name = len(match[3]) // 2, match[4]
            if name not in best:
                order.append(name)
                best[name] = (depth, own, cumulative)
            else:
                _, old_own, old_cumulative = best[name]
                best[name] = (depth, min(old_own, own), min(old_cumulative, cumulative))
    return [(best[n][0], n, best[n][1], best[n][2]) for n in order]


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="samantha-bench-"))
    began = time.perf_counter()
    try:
        reused_home = scratch / "reused"
        env = _base_env(reused_home)
        console = Path(sys.executable).with_name("samantha")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"cold start: python {sys.version.split()[0]}, {WARMUP_RUNS} warm-up + {RUNS} "
            f"timed runs each (round-robin), offline backend, SAMANTHA_HOME under {scratch}; "
            f"load average {load} on {os.cpu_count()} CPUs"
        )
        launchers: list[tuple[str, list[str]]] = []
        if console.is_file() and os.access(console, os.X_OK):
            launchers.append(("console script", [str(console)]))
        else:
            print(f"(no console script at {console}; the -m figures are the headline)")
        launchers.append(("python -m samantha", [sys.executable, "-m", "samantha"]))

        def reused() -> dict[str, str]:
            return env

        versions = _time_interleaved([([*prefix, "--version"], reused) for _, prefix in launchers])
        for (launcher, _), stats in zip(launchers, versions, strict=True):
            print(_line(f"{launcher} --version", stats, TARGETS_S["--version"]))

        # The first run ever creates the folder, the database and its schema: time that with a
        # new SAMANTHA_HOME per run, interleaved with the usual case of a reused one.
        counter = iter(range(10_000))

        def fresh() -> dict[str, str]:
            return _base_env(scratch / f"fresh-{next(counter)}")

        say_cases = [([*prefix, "say", SAY_TEXT], reused) for _, prefix in launchers]
        say_cases.append(([*launchers[0][1], "say", SAY_TEXT], fresh))
        says = _time_interleaved(say_cases)
        for (launcher, _), stats in zip(launchers, says, strict=False):
            print(_line(f"{launcher} say (reused SAMANTHA_HOME)", stats, TARGETS_S["say"]))
        print(_line(f"{launchers[0][0]} say, fresh SAMANTHA_HOME each run", says[-1], None))
        print(
            f"  first-run cost (fresh - reused, p50): {(says[-1].p50 - says[0].p50) * 1000:+.0f} ms"
        )

        (baseline,) = _time_interleaved(
            [([sys.executable, "-c", "pass"], reused)], expect_output=False
        )
        print(_line("bare interpreter (python -c pass), for reference", baseline, None))

        entries = _importtime(env)
        total = max(cumulative for depth, _, _, cumulative in entries if depth == 0)
        print(
            f"imports for say (python -X importtime -c 'import {SAY_IMPORTS}', "
            f"best of {IMPORTTIME_RUNS}; importtime itself inflates these): "
            f"largest top-level import {total:.1f} ms"
        )
        print("  top 10 by cumulative ms (depth, self ms, cumulative ms, module):")
        for depth, name, own, cumulative in sorted(entries, key=lambda e: -e[3])[:10]:
            print(f"    {depth:2d} {own:7.1f} {cumulative:8.1f}  {name}")
        by_package: dict[str, float] = defaultdict(float)
        for _, name, own, _ in entries:
            by_package[name.split(".")[0]] += own
        print("  top 10 top-level packages by summed self ms (where the time really goes):")
        for package, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:10]:
            print(f"    {own:7.1f}  {package}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
