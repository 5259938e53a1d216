"""How the chat keeps up with a model, beside a bare Textual app doing the same job (the peer: a
Markdown widget per reply, streamed through Textual's MarkdownStream).

Both talk to the same fake OpenAI-compatible server on 127.0.0.1 (its own process, see
``tui_kit``) through the real ``openai`` client; samantha through her whole engine, started as
``samantha`` starts (settings read, companion opened after the first frame, heap settled). Each
run is its own process; samantha and the peer take turns in one loop. Prints, per figure,
``figure | samantha | peer | ratio | target | met`` with medians and run counts:

- last token -> reply finished on screen, at 1,000 tokens/s (the server's clock and the app's
  are both ``time.monotonic``);
- the longest event-loop block over the first turn (from Enter to the reply on screen) and
  while streaming (a probe task sleeping 2 ms records how late it wakes);
- the longest block per turn over a 50-turn session of long replies, and whether it grows;
- memory (RSS) over a 200-turn session: growth from turn 20 to turn 200.

``--quick`` runs fewer turns and runs (for trying it out; the figures to report are without).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui_kit import (
    PACE_S,
    TICK_S,
    Probe,
    ask,
    bench_persona,
    last_token_at,
    reply_text,
    start_server,
)

TARGET_FINISH_MS = 100.0
TARGET_BLOCK_MS = 50.0
TARGET_MEMORY_MIB = 10.0


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _setup_env(home: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SAMANTHA_") or name in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}:
            del os.environ[name]
    os.environ["SAMANTHA_HOME"] = str(home)
    tiktoken = Path(__file__).resolve().parents[1] / "tests/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in os.environ and tiktoken.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(tiktoken)


async def _on_screen(app: Any, source: Any, full: str) -> float:
    """When (``time.monotonic``) the whole reply is in the Markdown on screen: polled every
    2 ms, then stamped at the next refresh. The same for samantha and the peer."""
    while source() != full:  # noqa: ASYNC110 (the screen is polled: no event says "drawn")
        await asyncio.sleep(0.002)
    painted = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: painted.done() or painted.set_result(time.monotonic()))
    return float(await painted)


async def _samantha(url: str, turns: int, tokens: int, pace: float, home: Path) -> list[Any]:
    from samantha.config import Settings
    from samantha.tui.app import make_app
    from samantha.tui.screens.chat import ChatScreen
    from samantha.tui.widgets.prompt_input import PromptInput
    from samantha.tui.widgets.transcript import ReplyMessage

    settings = Settings(
        backend="custom",
        base_url=url,
        model="bench",
        persona=str(bench_persona(home / "persona")),
        extractor="rules",
    )
    app = make_app(settings, cursor_blink=False, onboarding=False, greet=False, settle_heap=True)
    probe = Probe()
    results: list[Any] = []
    async with app.run_test(size=(100, 30)) as pilot:
        # As a user: the chat is open with its history, and they take a moment to type.
        while not isinstance(app.screen, ChatScreen) or not app.screen.ready:
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        tick = asyncio.ensure_future(probe.run())
        full = reply_text(tokens)
        try:
            for turn in range(turns):
                began = time.perf_counter()
                before = screen.query(ReplyMessage).last() if screen.query(ReplyMessage) else None
                screen.query_one(PromptInput).load_text(ask(tokens, pace, f"turn {turn}"))
                await pilot.press("enter")
                while screen.query(ReplyMessage).last() is before:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                view = screen.query(ReplyMessage).last()

                def source(view: Any = view) -> str:
                    return str(view.drawn)

                painted = await asyncio.wait_for(_on_screen(app, source, full), timeout=600)
                ended = time.perf_counter()
                last = await last_token_at(url)
                streaming_from = ended - (time.monotonic() - last) - tokens * pace
                results.append(
                    {
                        "finish_ms": (painted - last) * 1000,
                        "block_ms": probe.worst(began, ended) * 1000,
                        "streaming_block_ms": probe.worst(streaming_from, ended) * 1000,
                        "streaming_cpu_ms": probe.worst_cpu(streaming_from, ended) * 1000,
                        "rss_mib": _rss_mib() if turn == 0 else None,
                    }
                )
                # The turn ends (stored, learned from) before the next is typed.
                await app.workers.wait_for_complete()
                results[-1]["block_ms"] = probe.worst(began, time.perf_counter()) * 1000
                results[-1]["cpu_ms"] = probe.worst_cpu(began, time.perf_counter()) * 1000
                if view.received != full:
                    raise SystemExit(f"turn {turn}: the reply on screen is not the whole reply")
                if (turn + 1) % 20 == 0:
                    gc.collect()
                    results[-1]["rss_mib"] = _rss_mib()
        finally:
            probe.running = False
            await tick
    return results


async def _peer(url: str, turns: int, tokens: int, pace: float) -> list[Any]:
    """A bare Textual app: each reply a Markdown widget fed by MarkdownStream, as Textual's
    documentation streams a model's reply."""
    from openai import AsyncOpenAI
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Footer, Markdown, Static, TextArea

    class Peer(App[None]):
        def compose(self) -> ComposeResult:
            yield VerticalScroll(id="log")
            yield TextArea(id="input")
            yield Footer()

    client = AsyncOpenAI(api_key="not-needed", base_url=url, max_retries=0)
    app = Peer()
    probe = Probe()
    results: list[Any] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        log = app.query_one("#log", VerticalScroll)
        tick = asyncio.ensure_future(probe.run())
        try:
            for turn in range(turns):
                began = time.perf_counter()
                text = ask(tokens, pace, f"turn {turn}")
                await log.mount(Static(text))
                view = Markdown()
                await log.mount(view)
                log.anchor()
                stream = Markdown.get_stream(view)
                received = []
                reply = await client.chat.completions.create(
                    model="bench", messages=[{"role": "user", "content": text}], stream=True
                )
                async for chunk in reply:
                    if chunk.choices and chunk.choices[0].delta.content:
                        received.append(chunk.choices[0].delta.content)
                        await stream.write(chunk.choices[0].delta.content)
                painted = await asyncio.wait_for(
                    _on_screen(app, lambda view=view: view.source, reply_text(tokens)), 60
                )
                await stream.stop()
                ended = time.perf_counter()
                last = await last_token_at(url)
                if "".join(received) != reply_text(tokens):
                    raise SystemExit(f"turn {turn}: the peer's reply is not whole")
                streaming_from = ended - (time.monotonic() - last) - tokens * pace
                results.append(
                    {
                        "finish_ms": (painted - last) * 1000,
                        "block_ms": probe.worst(began, ended) * 1000,
                        "streaming_block_ms": probe.worst(streaming_from, ended) * 1000,
                        "streaming_cpu_ms": probe.worst_cpu(streaming_from, ended) * 1000,
                        "cpu_ms": probe.worst_cpu(began, ended) * 1000,
                        "rss_mib": None,
                    }
                )
                if (turn + 1) % 20 == 0 or turn == 0:
                    gc.collect()
                    results[-1]["rss_mib"] = _rss_mib()
        finally:
            probe.running = False
            await tick
    await client.close()
    return results


def _child(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="samantha-bench-"))
    _setup_env(home)
    try:
        if args.who == "samantha":
            out = asyncio.run(_samantha(args.url, args.turns, args.tokens, args.pace, home))
        else:
            out = asyncio.run(_peer(args.url, args.turns, args.tokens, args.pace))
        print(json.dumps(out))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _spawn(who: str, url: str, turns: int, tokens: int, pace: float) -> list[dict[str, Any]]:
    command = [sys.executable, __file__, "--one", who, "--url", url, "--turns", str(turns)]
    command += ["--tokens", str(tokens), "--pace", str(pace)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        err = proc.stderr
        raise SystemExit(
            f"a {who} run failed (exit {proc.returncode}):\n{err[:2500]}\n…\n{err[-800:]}"
        )
    result: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _row(figure: str, ours: float, peer: float, target: str, met: bool, unit: str) -> None:
    ratio = ours / peer if peer else float("nan")
    print(
        f"{figure} | {ours:.1f} {unit} | {peer:.1f} {unit} | {ratio:.2f} | {target} | "
        f"{'yes' if met else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", dest="who")
    parser.add_argument("--url")
    parser.add_argument("--turns", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--pace", type=float, default=PACE_S)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.who:
        _child(args)
        return
    runs, session, long_turns = (2, 10, 40) if args.quick else (5, 50, 200)
    began = time.perf_counter()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    server, url = start_server()
    try:
        print(
            f"tui streaming: python {sys.version.split()[0]}, headless 100x30, fake "
            f"OpenAI-compatible server on 127.0.0.1 (own process), real openai client; probe "
            f"every {TICK_S * 1000:g} ms; load average {load} on {os.cpu_count()} CPUs"
        )
        print("figure | samantha | peer | ratio | target | met")
        one: dict[str, list[dict[str, Any]]] = {"samantha": [], "peer": []}
        for _ in range(runs):
            for who in one:
                one[who] += _spawn(who, url, 1, 1000, PACE_S)
        med = {
            w: {k: statistics.median(r[k] for r in one[w]) for k in one[w][0] if k != "rss_mib"}
            for w in one
        }
        s, p = med["samantha"], med["peer"]
        _row(
            f"last token -> reply on screen, 1,000 tokens at 1,000 tok/s (p50 of {runs} runs)",
            s["finish_ms"],
            p["finish_ms"],
            f"<= {TARGET_FINISH_MS:g} ms",
            s["finish_ms"] <= TARGET_FINISH_MS,
            "ms",
        )
        _row(
            f"longest loop block, first turn (p50 of {runs} runs)",
            s["block_ms"],
            p["block_ms"],
            f"<= {TARGET_BLOCK_MS:g} ms",
            s["block_ms"] <= TARGET_BLOCK_MS,
            "ms",
        )
        _row(
            f"longest loop block while streaming, first turn (p50 of {runs} runs)",
            s["streaming_block_ms"],
            p["streaming_block_ms"],
            f"<= {TARGET_BLOCK_MS:g} ms",
            s["streaming_block_ms"] <= TARGET_BLOCK_MS,
            "ms",
        )
        _row(
            f"  of which the loop's own CPU, first turn (p50 of {runs} runs)",
            s["cpu_ms"],
            p["cpu_ms"],
            f"<= {TARGET_BLOCK_MS:g} ms",
            s["cpu_ms"] <= TARGET_BLOCK_MS,
            "ms",
        )
        _row(
            f"  of which the loop's own CPU, while streaming (p50 of {runs} runs)",
            s["streaming_cpu_ms"],
            p["streaming_cpu_ms"],
            f"<= {TARGET_BLOCK_MS:g} ms",
            s["streaming_cpu_ms"] <= TARGET_BLOCK_MS,
            "ms",
        )

        long_reply = 600
        turns = {who: _spawn(who, url, session, long_reply, PACE_S) for who in ("samantha", "peer")}
        pairs = (
            ("turn", "block_ms"),
            ("streaming", "streaming_block_ms"),
            ("turn (loop CPU)", "cpu_ms"),
            ("streaming (loop CPU)", "streaming_cpu_ms"),
        )
        for label, key in pairs:
            worst = {w: max(t[key] for t in turns[w]) for w in turns}
            early = {w: statistics.median(t[key] for t in turns[w][:5]) for w in turns}
            late = {w: statistics.median(t[key] for t in turns[w][-5:]) for w in turns}
            _row(
                f"longest loop block per {label}, {session} turns of {long_reply} tokens: max",
                worst["samantha"],
                worst["peer"],
                f"<= {TARGET_BLOCK_MS:g} ms",
                worst["samantha"] <= TARGET_BLOCK_MS,
                "ms",
            )
            _row(
                f"  same, p50 of the last 5 turns (first 5: samantha {early['samantha']:.1f}, "
                f"peer {early['peer']:.1f} ms)",
                late["samantha"],
                late["peer"],
                "flat (<= first 5 + 10 ms)",
                late["samantha"] <= early["samantha"] + 10,
                "ms",
            )
        finish_late = {w: statistics.median(t["finish_ms"] for t in turns[w][-5:]) for w in turns}
        _row(
            f"last token -> on screen, p50 of turns {session - 4}-{session}",
            finish_late["samantha"],
            finish_late["peer"],
            f"<= {TARGET_FINISH_MS:g} ms",
            finish_late["samantha"] <= TARGET_FINISH_MS,
            "ms",
        )

        memory = {w: _spawn(w, url, long_turns, 300, 0.0) for w in ("samantha", "peer")}
        growth = {}
        for who, results in memory.items():
            marks = [r["rss_mib"] for r in results if r["rss_mib"] is not None]
            growth[who] = marks[-1] - marks[1]
        _row(
            f"memory growth, RSS turn 20 -> turn {long_turns} ({long_turns} turns of 300 "
            "tokens, 1 run each)",
            growth["samantha"],
            growth["peer"],
            f"+-{TARGET_MEMORY_MIB:g} MiB",
            abs(growth["samantha"]) <= TARGET_MEMORY_MIB,
            "MiB",
        )
    finally:
        server.terminate()  # type: ignore[attr-defined]
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
