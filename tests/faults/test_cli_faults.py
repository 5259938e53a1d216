"""The same faults met by a real `samantha say` process: one line on stderr, the right exit code,
no traceback, no key, and the database holding what was said.

A process sees what in-process tests cannot: warnings printed at interpreter exit by a stream
left open, an unclosed connection or a task destroyed while pending. Each fault gets its own
server and home, and all of them run at once (forked from the warm zygote) to stay fast.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from samantha.cli.safe_output import shown
from samantha.config import Paths, Settings
from samantha.persona import find_persona, load_persona
from tests.fakeserver import FakeOpenAI, refused_base_url
from tests.faults.conftest import API_KEY, MODEL
from tests.faults.kinds import FAULTS, HEALTHY, Fault, runaway_reply
from tests.faults.zygote import Child, Zygote
from tests.test_cli import cli_env


def samantha_reply_tokens() -> int:
    """Her reply budget as `samantha say` uses it (her persona's, else the setting's)."""
    persona = load_persona(find_persona("samantha", Paths.from_env().personas_dir))
    return persona.max_reply_tokens or Settings().reply_tokens


def say(zygote: Zygote, fault: Fault, home: Path, url: str) -> Child:
    return zygote.spawn(
        ["--backend", "custom", "--base-url", url, "--model", MODEL, "say", "hello?"],
        cli_env(
            home,
            SAMANTHA_API_KEY=API_KEY,
            SAMANTHA_MAX_RETRIES=str(fault.max_retries),
            SAMANTHA_REQUEST_TIMEOUT=str(fault.timeout),
            SAMANTHA_EXTRACTOR="rules",
        ),
    )


def problems_with(
    fault: Fault, code: int, out: str, err: str, server: FakeOpenAI | None, home: Path
) -> list[str]:
    found: list[str] = []
    if "Traceback" in out + err or API_KEY in out + err:
        found.append(f"traceback or key in the output: {err!r}")
    for secret in fault.hidden:
        if secret in out + err:
            found.append(f"{secret!r} was shown: {err!r}")
    lines = err.splitlines()
    if code != fault.exit_code:
        found.append(f"exit code {code}, not {fault.exit_code}: {err!r}")
    if fault.id == "reply-far-past-max-tokens":
        # Cut at the cap, her reply is kept and marked as cut off, and say says so.
        reply = runaway_reply(samantha_reply_tokens())
        if out != reply + "\n":
            found.append(f"stdout should hold her reply up to the cap: {out[-80:]!r}")
        assistant = [("assistant", reply, "interrupted")]
    elif fault.error is None and fault.cut is None:
        reply = fault.reply or "".join(HEALTHY)
        if (out, lines) != (shown(reply) + "\n", []):
            found.append(f"expected a clean reply, shown safely, got {out!r}, {err!r}")
        assistant = [("assistant", reply, "complete")]
    else:
        if out.strip() != fault.partial.strip():
            found.append(f"stdout should hold what arrived, {fault.partial!r}: {out!r}")
        assistant = fault.stored
    if fault.exit_code != 0:
        if len(lines) != 1 or not lines[0].startswith("samantha: ") or not lines[0].endswith("."):
            found.append(f"not one sentence on stderr: {err!r}")
        for word in fault.mentions:
            if word not in err:
                found.append(f"the sentence should mention {word!r}: {err!r}")
    requests = len(server.chat_requests) if server else 0
    if requests != fault.requests:
        found.append(f"{requests} requests, expected {fault.requests}")
    conn = sqlite3.connect(home / "samantha.db")
    try:
        rows = conn.execute("SELECT role, text, status FROM messages ORDER BY id").fetchall()
    finally:
        conn.close()
    # No word of hers arrived: her reply to it failed, and the message is marked unanswered.
    user_status = "complete" if any(r == "assistant" for r, _, _ in assistant) else "error"
    if rows != [("user", "hello?", user_status), *assistant]:
        found.append(f"stored {rows!r}")
    return found


def test_every_fault_through_samantha_say(zygote: Zygote, tmp_path: Path) -> None:
    servers: dict[str, FakeOpenAI] = {}
    try:
        started = []
        for fault in FAULTS:
            if fault.refused:
                url = refused_base_url()
            else:
                servers[fault.id] = FakeOpenAI(*fault.answers()).start()
                url = servers[fault.id].base_url
            if fault.url is not None:
                url = fault.url(url)
            home = tmp_path / fault.id
            started.append((fault, home, say(zygote, fault, home, url)))
        report: dict[str, list[str]] = {}
        for fault, home, child in started:
            code = zygote.wait(child)
            out, err = child.output()
            found = problems_with(fault, code, out, err, servers.get(fault.id), home)
            if found:
                report[fault.id] = found
    finally:
        for server in servers.values():
            server.stop()
    assert report == {}
