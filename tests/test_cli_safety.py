"""What reaches a terminal through the command line: never an instruction to it.

A model server, a card or a memory can carry escape sequences, NULs and bidirectional
controls. The README promises they never style, move or clear the screen; the database keeps
them exactly as they were sent.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
from pathlib import Path

from samantha.cli.safe_output import shown
from tests.fakeserver import FakeOpenAI, stream
from tests.test_cli import SAMANTHA, cli_env, rows, run

HOSTILE_REPLY = [
    "Hi",
    "\x1b]0;pwned title\x07",  # set the window title
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]52;c;ZXZpbA==\x07",  # write the clipboard
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # plant a link
    "\x9b31m",  # a one-byte CSI
    " \u202eexe.txt\u202c\x00 end\r",
]
WHOLE = "".join(HOSTILE_REPLY)


def _obeyable(text: str) -> list[str]:
    """Characters a terminal would act on rather than show."""
    bad = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {"\x7f"}
    bad |= {chr(c) for c in range(0x80, 0xA0)}
    bad |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    return sorted({c for c in text if c in bad})


def test_the_sanitiser_shows_every_control_and_keeps_plain_text() -> None:
    assert shown("plain text, tabs\tand\nnewlines; ünïcödé 日本") == (
        "plain text, tabs\tand\nnewlines; ünïcödé 日本"
    )
    assert _obeyable(shown(WHOLE)) == []
    assert "␛]0;pwned title␇" in shown(WHOLE)
    assert "<U+202E>" in shown(WHOLE)
    assert shown("\ud800") == "\ufffd"


def say_with(home: Path, server: FakeOpenAI, *flags: str) -> subprocess.CompletedProcess[str]:
    server.enqueue(stream(HOSTILE_REPLY))
    return run(
        home,
        "--backend",
        "custom",
        "--base-url",
        server.base_url,
        "--model",
        "fake-model",
        "say",
        *flags,
        "hello",
    )


def test_say_into_a_pipe_shows_escape_sequences_and_stores_them_as_sent(
    isolated_home: Path,
) -> None:
    with FakeOpenAI() as server:
        done = say_with(isolated_home, server)
    assert done.returncode == 0, done.stderr
    assert _obeyable(done.stdout) == [], repr(done.stdout)
    assert "␛]52;c;ZXZpbA==␇" in done.stdout
    assert rows(isolated_home)[-1] == ("assistant", WHOLE, "complete")


def test_say_raw_into_a_pipe_writes_the_bytes_as_sent(isolated_home: Path) -> None:
    with FakeOpenAI() as server:
        done = say_with(isolated_home, server, "--raw")
    assert done.returncode == 0, done.stderr
    assert rows(isolated_home)[-1][1] == WHOLE
    # (text mode reads the final carriage return as a line end)
    assert done.stdout.startswith(WHOLE.removesuffix("\r"))


def test_say_raw_on_a_terminal_still_shows_them(isolated_home: Path) -> None:
    """--raw is for pipes: a terminal would obey the sequences, so it never gets them."""
    with FakeOpenAI() as server:
        server.enqueue(stream(HOSTILE_REPLY))
        main, child = pty.openpty()
        proc = subprocess.Popen(
            [*SAMANTHA, "--backend", "custom", "--base-url", server.base_url, "say", "--raw", "hi"],
            stdin=subprocess.DEVNULL,
            stdout=child,
            stderr=subprocess.PIPE,
            env=cli_env(isolated_home),
        )
        os.close(child)
        out = b""
        while True:
            ready, _, _ = select.select([main], [], [], 30)
            if not ready:
                break
            try:
                data = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            out += data
        proc.wait(timeout=30)
        os.close(main)
    assert proc.returncode == 0
    text = out.decode("utf-8", "replace")
    assert "pwned title" in text
    # The terminal's own line discipline turns \n into \r\n; nothing else may obey.
    assert _obeyable(text.replace("\r\n", "\n")) == [], repr(text)


def test_listings_and_import_messages_show_nul_and_bidi_controls(
    isolated_home: Path, tmp_path: Path
) -> None:
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": "Mal\u202eyroc\u202c",
            "description": "A card with\x1b[2J a trick.",
            "tagline": "x",
        },
    }
    path = tmp_path / "mal.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    imported = run(isolated_home, "persona", "import", str(path))
    listed = run(isolated_home, "persona", "list")
    written = isolated_home / "personas" / "mal-yroc.yaml"
    shown_persona = run(isolated_home, "persona", "show", str(written))
    remembered = run(isolated_home, "say", "-", stdin="My sister is called A\u202enna\x1b[2J\x00.")
    memories = run(isolated_home, "memory", "list")
    for done in (imported, listed, shown_persona, remembered, memories):
        assert _obeyable(done.stdout + done.stderr) == [], (done.args, done.stdout, done.stderr)
    assert "<U+202E>" in imported.stdout


def test_samantha_test_reports_show_her_reply_without_obeying_it(
    isolated_home: Path, tmp_path: Path
) -> None:
    script = tmp_path / "hostile.convo.yaml"
    reply = json.dumps("Sure\x1b]0;pwned\x07\x1b[2J \u202eok")
    script.write_text(
        "persona: samantha\n"
        f"backend:\n  scripted: [{reply}]\n"
        "steps:\n  - user: hi\n    expect:\n      reply: {contains: never said}\n",
        encoding="utf-8",
    )
    done = run(isolated_home, "test", str(script), "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pwned" in done.stdout
    assert _obeyable(done.stdout) == [], repr(done.stdout)
