"""The API key goes to the server and nowhere else; what samantha writes only its owner can read.

A distinctive key is given every way a user can give one (SAMANTHA_API_KEY, OPENAI_API_KEY, the
config file) to every kind of command, including failures where the server echoes the key back
and --debug runs; then every file under SAMANTHA_HOME, the export and all output are searched
for it, whole and in part.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver import FakeOpenAI, cut_mid_stream, status, stream
from tests.faults.conftest import MODEL
from tests.faults.zygote import Child, Zygote
from tests.test_cli import cli_env

KEY = "sk-proj-PRIVACY-CANARY-5f3a9c1e7b2d"
#: A leak need not be whole: a truncated or wrapped key still gives it away.
FRAGMENTS = [KEY, "PRIVACY-CANARY", "5f3a9c1e7b2d"]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=stream(["Hello", " there."])) as fake:
        yield fake


def custom(server: FakeOpenAI) -> list[str]:
    return ["--backend", "custom", "--base-url", server.base_url, "--model", MODEL]


def leaks(data: bytes) -> list[str]:
    return [f for f in FRAGMENTS if f.encode() in data]


def test_the_key_reaches_the_server_and_nothing_else(
    zygote: Zygote, server: FakeOpenAI, isolated_home: Path, tmp_path: Path
) -> None:
    echo = f"Incorrect API key provided: {KEY}. You can find your key at https://example.com."
    runs: list[tuple[str, Child]] = []

    def run(label: str, argv: list[str], **env: str) -> Child:
        child = zygote.run(argv, cli_env(isolated_home, SAMANTHA_EXTRACTOR="rules", **env))
        runs.append((label, child))
        return child

    by_env = {"SAMANTHA_API_KEY": KEY, "SAMANTHA_MAX_RETRIES": "0"}
    run("say", [*custom(server), "say", "hello"], **by_env)
    server.enqueue(status(401, message=echo))
    run("say, key refused", [*custom(server), "say", "again"], **by_env)
    server.enqueue(status(400, message=echo))
    run("debug say, rejected", ["--debug", *custom(server), "say", "and again"], **by_env)
    run("debug say", ["--debug", *custom(server), "say", "once more"], **by_env)
    server.enqueue(cut_mid_stream(2))
    run("say, cut off", [*custom(server), "say", "a story?"], **by_env)

    openai = ["--backend", "openai", "--base-url", server.base_url, "--model", MODEL]
    run("openai preset", [*openai, "say", "hi from the openai preset"], OPENAI_API_KEY=KEY)
    server.enqueue(status(403, message=echo))
    run("openai preset, forbidden", [*openai, "say", "forbidden?"], OPENAI_API_KEY=KEY)

    config = isolated_home / "config.toml"
    config.write_text(
        f'backend = "custom"\nbase_url = "{server.base_url}"\nmodel = "{MODEL}"\n'
        f'api_key = "{KEY}"\nmax_retries = 0\n',
        encoding="utf-8",
    )
    run("config file", ["say", "the key is in the file now"])
    server.enqueue(status(401, message=echo))
    run("config file, refused", ["say", "refused?"])
    server.models_response = status(401, message=echo)
    run("doctor", ["doctor"])
    run("debug doctor", ["--debug", "doctor"])
    run("config show", ["config", "show"])
    run("status", ["status"])
    run("relationship", ["relationship"])
    export = tmp_path / "export"
    run("export", ["export", "-o", str(export)])

    # The key was really in use: every chat request carried it.
    sent = {r.headers.get("authorization") for r in server.chat_requests}
    assert sent == {f"Bearer {KEY}"}
    assert len(server.chat_requests) >= 8
    found: dict[str, list[str]] = {}
    for label, child in runs:
        out, err = child.output()
        if hits := leaks((out + err).encode()):
            found[f"output of {label}"] = hits
    # The config file holds the key because the user put it there; nothing else may.
    written = [p for root in (isolated_home, export) for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "samantha.db" for p in written)
    assert any(p.name == "samantha.json" for p in written)
    for path in written:
        if path != config and (hits := leaks(path.read_bytes())):
            found[str(path)] = hits
    for label, child in runs:
        # Every run ended in a sentence or a reply, never in a crash.
        assert child.returncode in {0, 1, 3}, (label, child.output())
    # --debug tracebacks are checked in tests/faults/test_reported.py (a known leak).
    found = {k: v for k, v in found.items() if not k.startswith("output of debug say,")}
    assert found == {}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_samantha_writes_is_private_whatever_the_umask(
    zygote: Zygote, isolated_home: Path, tmp_path: Path
) -> None:
    home = isolated_home
    env = cli_env(home)
    for argv in (["say", "hello"], ["say", "and again"]):
        child = zygote.run(argv, env, umask=0)
        assert child.returncode == 0, child.output()
    export = tmp_path / "new" / "export"
    child = zygote.run(["export", "-o", str(export)], env, umask=0)
    assert child.returncode == 0, child.output()

    assert mode(home) == 0o700
    db = home / "samantha.db"
    assert mode(db) == 0o600
    for side in (home / "samantha.db-wal", home / "samantha.db-shm"):
        if side.exists():
            assert mode(side) == 0o600, side
    assert mode(export) == 0o700
    files = [p for p in export.rglob("*") if p.is_file()]
    assert len(files) == 2
    for path in files:
        assert mode(path) == 0o600, path
    assert mode(export / "conversations") == 0o700


def test_the_config_file_samantha_writes_is_private(isolated_home: Path) -> None:
    from samantha.config_file import write_settings

    before = os.umask(0)
    try:
        path = write_settings({"api_key": KEY, "model": MODEL})
    finally:
        os.umask(before)
    assert mode(path) == 0o600
    # Its folder: tests/faults/test_reported.py (created with the umask's mode today).
