"""The command line as a user meets it: a real process, its output, exit code and files."""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samantha import __version__
from tests.fakeserver import FakeOpenAI, long_stream, refused_base_url, status, stream

SECRET = "sk-test-SECRET-value"
SAMANTHA = [sys.executable, "-m", "samantha"]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAMANTHA_", "OPENAI_")) and not k.lower().endswith("_proxy")
    }
    # The no_network fixture cannot reach into a child process: send anything that is not
    # loopback (a tokenizer download, say) to a proxy that refuses, so it fails fast.
    refused = refused_base_url().removesuffix("/v1")
    env.update(
        SAMANTHA_HOME=str(home),
        SAMANTHA_OFFLINE_PACE="0",
        HTTP_PROXY=refused,
        HTTPS_PROXY=refused,
        ALL_PROXY=refused,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        # One request per turn, so a test's queued server answers meet the replies they are
        # meant for; model extraction has tests of its own (tests/memory).
        SAMANTHA_EXTRACTOR="rules",
    )
    env.update(extra)
    return env


def run(
    home: Path, *args: str, stdin: str | None = None, timeout: float = 30, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SAMANTHA, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(home, **env),
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def rows(
    home: Path, sql: str = "SELECT role, text, status FROM messages ORDER BY id"
) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(home / "samantha.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("samantha: "), done.stderr
    assert "Traceback" not in done.stderr
    assert "Traceback" not in done.stdout
    return lines[0]


def read_chunks(proc: subprocess.Popen[bytes], wanted: int, deadline: float) -> bytes:
    """Read stdout until ``wanted`` words arrived (0: return at once), or fail at the deadline."""
    assert proc.stdout is not None
    got = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while got.count(b" ") < wanted:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"only {got!r} arrived"
            if sel.select(remaining):
                data = os.read(proc.stdout.fileno(), 4096)
                assert data, f"stdout closed after {got!r}"
                got += data
    return got


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def custom(server: FakeOpenAI) -> list[str]:
    return ["--backend", "custom", "--base-url", server.base_url, "--model", "fake-model"]


# -- everyday commands -----------------------------------------------------------------------


def test_say_prints_her_reply_and_stores_both_messages(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "call me Theo, I had a long day at the studio")
    assert done.returncode == 0, done.stderr
    reply = done.stdout.rstrip("\n")
    assert "Theo" in reply
    assert done.stderr == ""
    assert rows(isolated_home) == [
        ("user", "call me Theo, I had a long day at the studio", "complete"),
        ("assistant", reply, "complete"),
    ]


def test_say_dash_reads_stdin(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "-", stdin="My sister visited today.\nWe went to the sea.\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    user = rows(isolated_home, "SELECT text FROM messages WHERE role = 'user'")
    assert [text.strip() for (text,) in user] == ["My sister visited today.\nWe went to the sea."]


def test_say_through_an_openai_compatible_server(isolated_home: Path, server: FakeOpenAI) -> None:
    server.enqueue(stream(["Hello", " from", " the", " server."], usage=(30, 4)))
    done = run(isolated_home, *custom(server), "say", "hi there")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello from the server.\n"
    assert server.last_json["model"] == "fake-model"
    assert server.last_json["messages"][-1] == {"role": "user", "content": "hi there"}
    assert rows(isolated_home)[-1] == ("assistant", "Hello from the server.", "complete")


def test_version_and_help(isolated_home: Path) -> None:
    version = run(isolated_home, "--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"samantha {__version__}"
    helped = run(isolated_home, "--help")
    assert helped.returncode == 0
    for command in ["say", "doctor", "config", "chat", "--backend", "--base-url"]:
        assert command in helped.stdout
    assert not (isolated_home / "samantha.db").exists(), "--help must not create a database"


def test_the_console_script_is_installed(isolated_home: Path) -> None:
    script = Path(sys.executable).parent / "samantha"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    done = subprocess.run(
        [str(script), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        env=cli_env(isolated_home),
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"samantha {__version__}"


def test_config_path(isolated_home: Path) -> None:
    done = run(isolated_home, "config", "path")
    assert done.returncode == 0
    assert done.stdout.strip() == str(isolated_home / "config.toml")


def test_config_show_masks_the_key(isolated_home: Path) -> None:
    (isolated_home).mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('model = "from-file"\n', encoding="utf-8")
    done = run(
        isolated_home,
        "--backend",
        "openai",
        "config",
        "show",
        SAMANTHA_API_KEY="sk-secret-123",
        OPENAI_API_KEY="sk-secret-123",
    )
    assert done.returncode == 0, done.stderr
    assert "sk-secret-123" not in done.stdout + done.stderr
    assert 'api_key = "set (hidden)"' in done.stdout
    assert 'backend = "openai"' in done.stdout
    assert 'model = "from-file"' in done.stdout


def test_doctor_reports_in_plain_lines(isolated_home: Path) -> None:
    done = run(isolated_home, "doctor")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    heads = [line.split(":", 1)[0] for line in lines]
    for head in ["backend", "model", "tokens", "database", "config", "persona"]:
        assert head in heads, done.stdout
    tokens = next(line for line in lines if line.startswith("tokens:"))
    # The offline voice counts by estimate; doctor must say what the engine really does.
    assert "estimated" in tokens
    assert "Traceback" not in done.stdout + done.stderr


def test_doctor_checks_an_openai_compatible_server(isolated_home: Path, server: FakeOpenAI) -> None:
    done = run(isolated_home, *custom(server), "doctor")
    assert done.returncode == 0, done.stderr
    assert server.base_url in done.stdout
    answers = next(line for line in done.stdout.splitlines() if line.startswith("answers:"))
    assert "fake-model" in answers
    tokens = next(line for line in done.stdout.splitlines() if line.startswith("tokens:"))
    assert "approximate" in tokens or "estimated" in tokens
    # These runs read facts by rules (cli_env): doctor says the model is not asked.
    memory = next(line for line in done.stdout.splitlines() if line.startswith("memory:"))
    assert memory.endswith("(extractor = rules): the model is not asked")


def test_doctor_asks_the_model_for_memorys_json(isolated_home: Path, server: FakeOpenAI) -> None:
    fact = '{"facts": [{"kind": "person", "text": "My sister is called Anna.", "importance": 6}]}'
    server.enqueue(stream([fact]), stream(["No JSON here."]))
    done = run(isolated_home, *custom(server), "doctor", SAMANTHA_EXTRACTOR="auto")
    assert done.returncode == 0, done.stderr
    memory = next(line for line in done.stdout.splitlines() if line.startswith("memory:"))
    assert memory == "memory:    the model answers memory's JSON: facts are read by it and by rules"
    asked = server.chat_requests[-1].json
    assert asked["messages"][-1]["content"] == "My sister is called Anna."
    # A model that answers in prose is named as such.
    done = run(isolated_home, *custom(server), "doctor", SAMANTHA_EXTRACTOR="auto")
    memory = next(line for line in done.stdout.splitlines() if line.startswith("memory:"))
    assert "did not give memory's JSON" in memory


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("placement", ["before", "after"])
def test_unreachable_backend_is_one_line_and_exit_3(isolated_home: Path, placement: str) -> None:
    url = refused_base_url()
    flags = ["--backend", "custom", "--base-url", url]
    args = [*flags, "say", "hello?"] if placement == "before" else ["say", *flags, "hello?"]
    done = run(isolated_home, *args, SAMANTHA_MAX_RETRIES="0")
    line = assert_one_line_error(done, 3)
    assert url in line
    assert done.stdout == ""
    # The user's words were saved before the server was asked.
    assert rows(isolated_home, "SELECT role, text FROM messages") == [("user", "hello?")]


def test_unknown_persona_exits_2(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "--persona", "nobody-at-all", "hi")
    line = assert_one_line_error(done, 2)
    assert "nobody-at-all" in line


def test_malformed_config_is_one_sentence(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    config = isolated_home / "config.toml"
    config.write_text('backend = "offline"\nmodel = [unterminated\n', encoding="utf-8")
    for args in [("say", "hi"), ("config", "show")]:
        done = run(isolated_home, *args)
        line = assert_one_line_error(done, 2)
        assert str(config) in line
        assert line.endswith(".")


def test_empty_message_is_refused(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "   ")
    assert_one_line_error(done, 2)


def test_debug_shows_the_traceback(isolated_home: Path) -> None:
    url = refused_base_url()
    args = ["--debug", "say", "--backend", "custom", "--base-url", url, "hi"]
    done = run(isolated_home, *args, SAMANTHA_MAX_RETRIES="0")
    assert done.returncode != 0
    assert "Traceback" in done.stderr
    assert "BackendUnreachable" in done.stderr


def test_an_unusable_database_is_one_line_and_exit_4(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    # A directory where the database file should be.
    (isolated_home / "samantha.db").mkdir()
    done = run(isolated_home, "say", "hi")
    line = assert_one_line_error(done, 4)
    assert str(isolated_home / "samantha.db") in line


def start_say(home: Path, message: str, pace: str = "0.05") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*SAMANTHA, "say", message],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(home, SAMANTHA_OFFLINE_PACE=pace),
    )


def test_ctrl_c_mid_reply_saves_what_was_said(isolated_home: Path) -> None:
    proc = start_say(isolated_home, "I had a really long day at work")
    got = read_chunks(proc, 2, time.monotonic() + 20)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert err.decode().strip() == "samantha: stopped; everything said so far is saved."
    said = rows(isolated_home)
    assert said[0] == ("user", "I had a really long day at work", "complete")
    assert said[1][0::2] == ("assistant", "interrupted")
    assert said[1][1].startswith(got.decode().strip())
    assert (got + out).decode().strip() == said[1][1].strip()


def test_closed_stdout_mid_reply_is_quiet_and_saves_what_was_said(isolated_home: Path) -> None:
    # `samantha say ... | head -c 5`: the reader goes away while she is still talking.
    proc = start_say(isolated_home, "I had a really long day at work")
    got = read_chunks(proc, 1, time.monotonic() + 20)
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert "Traceback" not in err.decode(), err.decode()
    said = rows(isolated_home)
    assert said[0][:2] == ("user", "I had a really long day at work")
    assert said[1][0::2] == ("assistant", "interrupted")
    assert said[1][1].startswith(got.decode())


# -- secrets and files -----------------------------------------------------------------------


def every_file(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def test_the_key_is_sent_but_never_written(isolated_home: Path, server: FakeOpenAI) -> None:
    server.enqueue(
        stream(["Nice", " to", " meet", " you."]),
        status(400, message=f"invalid key {SECRET} for this project"),
    )
    ok = run(isolated_home, *custom(server), "say", "hello", SAMANTHA_API_KEY=SECRET)
    assert ok.returncode == 0, ok.stderr
    # The server echoes the key in its error: it must not reach the screen either.
    failed = run(isolated_home, *custom(server), "say", "again", SAMANTHA_API_KEY=SECRET)
    assert failed.returncode == 3, failed.stderr
    assert_one_line_error(failed, 3)

    assert [r.headers.get("authorization") for r in server.chat_requests] == [
        f"Bearer {SECRET}",
        f"Bearer {SECRET}",
    ]
    for done in (ok, failed):
        assert SECRET not in done.stdout + done.stderr
    files = every_file(isolated_home)
    assert any(p.name == "samantha.db" for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), f"the key was written to {path}"


def test_database_is_private(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "hello")
    assert done.returncode == 0, done.stderr
    db = isolated_home / "samantha.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for side in [db.with_name("samantha.db-wal"), db.with_name("samantha.db-shm")]:
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side
    assert stat.S_IMODE(isolated_home.stat().st_mode) & 0o077 == 0


# -- crash safety ----------------------------------------------------------------------------


def test_sigkill_mid_reply_leaves_a_sound_database(isolated_home: Path, server: FakeOpenAI) -> None:
    said: list[str] = []
    # Killed while waiting for the first byte (0), then after a few words at a time; each run
    # starts on the database the previous kill left behind.
    for words_before_kill in [0, 1, 3, 6, 10]:
        server.enqueue(long_stream(60, delay=0.05))
        message = f"a long story please ({words_before_kill})"
        requests_before = len(server.chat_requests)
        proc = subprocess.Popen(
            [*SAMANTHA, *custom(server), "say", message],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=cli_env(isolated_home),
        )
        try:
            deadline = time.monotonic() + 20
            if words_before_kill == 0:
                assert server.wait_for_chat_requests(requests_before + 1, timeout=20)
            got = read_chunks(proc, words_before_kill, deadline)
            assert proc.poll() is None, "the reply ended before the kill"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=10) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
        said.append(message)
        if words_before_kill:
            assert got.startswith(b"w0 ")

        conn = sqlite3.connect(isolated_home / "samantha.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            users = conn.execute("SELECT text FROM messages WHERE role = 'user' ORDER BY id")
            assert [text for (text,) in users] == said, words_before_kill
            complete = conn.execute(
                "SELECT count(*) FROM messages WHERE role = 'assistant' AND status = 'complete'"
            ).fetchone()
            assert complete == (0,)
        finally:
            conn.close()

    server.enqueue(stream(["I'm", " still", " here."]))
    again = run(isolated_home, *custom(server), "say", "are you ok?")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "I'm still here.\n"
    assert [r[1] for r in rows(isolated_home) if r[0] == "user"] == [*said, "are you ok?"]
    assert rows(isolated_home)[-1] == ("assistant", "I'm still here.", "complete")


def test_status_and_relationship_show_what_a_conversation_did(isolated_home: Path) -> None:
    fresh = run(isolated_home, "status")
    assert fresh.returncode == 0, fresh.stderr
    assert "Relationship: stranger." in fresh.stdout
    for text in ["You are useless.", "You are so stupid."]:
        assert run(isolated_home, "say", text).returncode == 0
    hurt = run(isolated_home, "status")
    assert "(strained)" in hurt.stdout
    assert any(mood in hurt.stdout for mood in ("anxious", "hostile", "bored", "disdainful"))
    timeline = run(isolated_home, "relationship")
    assert timeline.returncode == 0
    insults = [line for line in timeline.stdout.splitlines() if " insult " in line]
    assert len(insults) == 2
    assert all("message" in line for line in insults)


def test_say_dash_keeps_inner_newlines_but_not_the_pipe_s_last_one(isolated_home: Path) -> None:
    done = run(isolated_home, "say", "-", stdin="first line\nsecond line\n")
    assert done.returncode == 0, done.stderr
    assert rows(isolated_home)[0][1] == "first line\nsecond line"


def test_say_speak_without_a_voice_still_replies(isolated_home: Path) -> None:
    # No speech server, no key, no espeak on this PATH: one sentence says why, the reply prints.
    done = run(isolated_home, "say", "--speak", "hello there", PATH="/nonexistent")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("samantha: ")
    assert "Traceback" not in done.stderr
    assert rows(isolated_home)[0][1] == "hello there"


def _open_the_chat_alone(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str | None]]:
    """Run `samantha` with no arguments in-process, the chat replaced by a recorder and the
    typer app by one that fails: nothing may go through typer's parse."""
    import samantha.cli.main as cli_main
    import samantha.tui.app as tui_app

    opened: list[tuple[Any, str | None]] = []

    def run_app(load: Any, *, persona_hint: str | None = None) -> None:
        opened.append((load(), persona_hint))

    def no_typer(*args: object, **kwargs: object) -> None:
        raise AssertionError("typer parsed `samantha` alone")

    monkeypatch.setattr(tui_app, "run_app", run_app)
    monkeypatch.setattr(cli_main, "app", no_typer)
    monkeypatch.setattr(sys, "argv", ["samantha"])
    with pytest.raises(SystemExit) as ended:
        cli_main.main()
    opened.append((ended.value.code, None))
    return opened


def test_samantha_alone_opens_the_chat_with_the_settings_as_configured(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text('persona = "alan"\n', encoding="utf-8")
    (settings, hint), (code, _) = _open_the_chat_alone(monkeypatch)
    assert (settings.persona, hint, code) == ("alan", None, 0)


def test_samantha_alone_with_a_bad_config_says_one_sentence(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("backend = [oops\n", encoding="utf-8")
    from samantha.errors import ConfigError

    [(code, _)] = _open_the_chat_alone(monkeypatch)
    assert code == ConfigError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("samantha: ")
    assert "is not valid TOML" in err
    assert len(err.strip().splitlines()) == 1
