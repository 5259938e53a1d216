"""What the TUI benchmarks share: a fake OpenAI-compatible server on 127.0.0.1 (run in its own
process, as a real server is), the reply it streams, a loop-lag probe, and the peer app.

The server streams ``/v1/chat/completions`` as server-sent events on a wall clock: token n is due
``n * pace`` seconds after the first, and tokens already due go out together, as a socket's
buffered chunks do when the reader is busy. A user message holding ``[tokens=N]`` asks for an
N-token reply (default 1,000); ``[pace=S]`` sets the seconds per token. ``GET /stats`` says when
(``time.monotonic``, shared by processes on one machine) the last token of the last reply went.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

TOKENS = 1000
PACE_S = 0.001
#: The probe's sleep: a wake-up later than this is the loop having been blocked.
TICK_S = 0.002

#: A reply with the shapes a model streams: mostly paragraphs, with emphasis, a list and a
#: code block now and then (about 150 tokens a section).
_PROSE = (
    "It rained all morning, and I kept thinking about what you said about *quiet* places. "
    "Not the silence of an empty room, but the kind where you can finally hear yourself. "
    "I wonder whether you have one of those, and whether you go there often enough.\n\n"
)
_PARAGRAPH = (
    _PROSE * 2 + "Here is what I would try this week:\n\n"
    "1. a walk before work\n2. the **long** way home\n3. no screens after ten\n\n"
    + _PROSE
    + "```python\nfor day in week:\n    walk(day)\n```\n\n"
)


def reply_words(tokens: int) -> list[str]:
    """The reply as the server sends it: one word (with its space) per token."""
    words: list[str] = []
    while len(words) < tokens:
        words.extend(_PARAGRAPH.split(" "))
    words = words[:tokens]
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


def reply_text(tokens: int) -> str:
    return "".join(reply_words(tokens))


def ask(tokens: int, pace: float, text: str = "tell me your plan") -> str:
    """A user message asking the fake server for a reply of this length and pace."""
    return f"{text} [tokens={tokens}] [pace={pace:g}]"


class Probe:
    """Records how late a short sleep wakes up: a late wake-up is the loop being blocked.

    On a shared machine a late wake-up can also be the process waiting for a CPU. So each gap
    also records the CPU time the loop's thread spent in it: that part was the loop busy with
    work of its own (``worst_cpu``), whatever the machine's load."""

    def __init__(self) -> None:
        #: (when it woke, how late, the loop thread's CPU seconds in the gap) for every tick.
        self.gaps: list[tuple[float, float, float]] = []
        self.running = True

    async def run(self) -> None:
        while self.running:
            began, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK_S)
            woke = time.perf_counter()
            self.gaps.append((woke, woke - began - TICK_S, time.thread_time() - cpu))

    def worst(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The longest block that ended between ``start`` and ``end`` (seconds, wall clock)."""
        return max((late for woke, late, _ in self.gaps if start <= woke <= end), default=0.0)

    def worst_cpu(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The most CPU the loop's thread spent without letting the probe run (seconds)."""
        return max((cpu for woke, _, cpu in self.gaps if start <= woke <= end), default=0.0)


def bench_persona(folder: Path) -> Path:
    """Samantha with room for a long reply: the shipped persona caps replies at 400 tokens,
    and a capped reply is cut (so the screen would never show the whole reply)."""
    shipped = Path(__file__).resolve().parents[1] / "personas" / "samantha.yaml"
    text = re.sub(r"(?m)^max_reply_tokens:.*$", "max_reply_tokens: 4000", shipped.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "samantha.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the fake server ---------------------------------------------------------------------------

_LAST_TOKEN = 0.0


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {
        "id": "bench",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global _LAST_TOKEN
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = json.loads(await reader.readexactly(length)) if length else {}
        if method == "GET":
            payload = (
                {"last": _LAST_TOKEN}
                if path.endswith("/stats")
                else {"object": "list", "data": [{"id": "bench", "object": "model"}]}
            )
            data = json.dumps(payload).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + data
            )
            return
        messages = body.get("messages", [])
        users = [m for m in messages if m.get("role") == "user"]
        last = str(users[-1].get("content", "")) if users else ""
        tokens = int(m.group(1)) if (m := re.search(r"\[tokens=(\d+)\]", last)) else TOKENS
        pace = float(m.group(1)) if (m := re.search(r"\[pace=([0-9.e-]+)\]", last)) else PACE_S
        if not body.get("stream"):
            # A side request (an appraisal, a fact, a summary): a short answer, at once.
            data = json.dumps(
                {
                    "id": "bench",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "bench",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "{}"},
                            "finish_reason": "stop",
                        }
                    ],
                }
            ).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + data
            )
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
        )
        words = reply_words(tokens)
        began = time.perf_counter()
        index = 0
        while index < len(words):
            due = int((time.perf_counter() - began) / pace) + 1 if pace > 0 else len(words)
            due = max(due, index + 1)
            batch = b"".join(_chunk(w) for w in words[index:due])
            index = min(due, len(words))
            writer.write(batch)
            await writer.drain()
            _LAST_TOKEN = time.monotonic()
            if index < len(words) and pace > 0:
                wait = began + index * pace - time.perf_counter()
                await asyncio.sleep(max(0.0, wait))
        writer.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _serve() -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def start_server() -> tuple[object, str]:
    """Start the fake server in its own process: (the process, its base URL)."""
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


async def last_token_at(base_url: str) -> float:
    """When (``time.monotonic``) the server sent the last token of its last reply."""
    host, port = base_url.split("//", 1)[1].split("/", 1)[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    return float(json.loads(data.split(b"\r\n\r\n", 1)[1])["last"])


if __name__ == "__main__" and "--serve" in sys.argv:
    asyncio.run(_serve())
