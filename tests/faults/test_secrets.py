"""The API key goes to the server and nowhere else; what samantha writes only its owner can read.

A distinctive key is given every way a user can give one (SAMANTHA_API_KEY, OPENAI_API_KEY, the
config file) to every kind of command, including failures where the server echoes the key back
and --debug runs; then every file under SAMANTHA_HOME, the export and all output are searched
for it, whole and in part.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakeserver import FakeOpenAI, Response, cut_mid_stream, status, stream
from tests.faults.conftest import MODEL
from tests.faults.zygote import Child, Zygote
from tests.test_cli import cli_env

KEY = "sk-proj-PRIVACY-CANARY-5f3a9c1e7b2d"
#: A leak need not be whole: a truncated or wrapped key still gives it away.
FRAGMENTS = [KEY, "PRIVACY-CANARY", "5f3a9c1e7b2d"]


def leaks(data: bytes) -> list[str]:
    return [f for f in FRAGMENTS if f.encode() in data]


@dataclass
class Run:
    label: str
    argv: list[str]
    home: Path
    env: dict[str, str] = field(default_factory=dict)
    #: The server's answers for this run alone (its default is a plain reply).
    answers: list[Response] = field(default_factory=list)
    server: FakeOpenAI | None = None
    child: Child | None = None
    #: The key is given inside the server's address (user info), as some proxies take it.
    in_url: bool = False


ECHO = f"Incorrect API key provided: {KEY}. You can find your key at https://example.com."


def plan(root: Path) -> list[Run]:
    """Every way in for the key, to every kind of command, failures included."""
    by_env, by_openai, by_file = root / "env", root / "openai-env", root / "file"
    key_env = {"SAMANTHA_API_KEY": KEY}
    openai_env = {"OPENAI_API_KEY": KEY}
    return [
        Run("say", ["say", "hello"], by_env, key_env),
        Run("say, key refused", ["say", "again"], by_env, key_env, [status(401, ECHO)]),
        Run("debug say", ["--debug", "say", "once more"], by_env, key_env),
        Run("debug say, rejected", ["--debug", "say", "no"], by_env, key_env, [status(400, ECHO)]),
        Run("say, cut off", ["say", "a story?"], by_env, key_env, [cut_mid_stream(2)]),
        Run("openai preset", ["say", "hi"], by_openai, openai_env),
        Run("openai, forbidden", ["say", "no?"], by_openai, openai_env, [status(403, ECHO)]),
        Run("config file", ["say", "the key is in the file"], by_file),
        Run("config file, refused", ["say", "refused?"], by_file, {}, [status(401, ECHO)]),
        Run("doctor", ["doctor"], by_file),
        Run("debug doctor", ["--debug", "doctor"], by_file),
        Run("config show", ["config", "show"], by_file),
        Run("key in the address", ["say", "hi"], root / "url", in_url=True),
        Run(
            "key in the address, refused",
            ["say", "no"],
            root / "url",
            {},
            [status(401)],
            in_url=True,
        ),
        Run("key in the address, doctor", ["doctor"], root / "url", in_url=True),
        Run("key in the address, config show", ["config", "show"], root / "url", in_url=True),
    ]


def start(zygote: Zygote, run: Run) -> None:
    server = run.server = FakeOpenAI(*run.answers, default=stream(["Hello", " there."])).start()
    # The models list answers with the key echoed too: what doctor shows must not carry it.
    server.models_response = status(401, ECHO)
    preset = "openai" if "OPENAI_API_KEY" in run.env else "custom"
    url = server.base_url
    if run.in_url:
        url = url.replace("http://", f"http://user:{KEY}@", 1)
        run.env = {**run.env, "SAMANTHA_BASE_URL": url}
    flags = ["--backend", preset, "--base-url", url, "--model", MODEL]
    argv = (
        [*run.argv[:1], *flags, *run.argv[1:]] if run.argv[0] == "--debug" else [*flags, *run.argv]
    )
    if run.argv[:2] == ["config", "show"]:
        argv = run.argv
    env = cli_env(run.home, SAMANTHA_EXTRACTOR="rules", SAMANTHA_MAX_RETRIES="0", **run.env)
    run.child = zygote.spawn(argv, env)


def test_the_key_reaches_the_server_and_nothing_else(zygote: Zygote, tmp_path: Path) -> None:
    runs = plan(tmp_path / "homes")
    config = tmp_path / "homes" / "file" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'api_key = "{KEY}"\n', encoding="utf-8")
    try:
        for run in runs:
            start(zygote, run)
        for run in runs:
            assert run.child is not None
            zygote.wait(run.child)
        # What reads the database, after everything was written.
        export = tmp_path / "export"
        later = [
            Run("status", ["status"], tmp_path / "homes" / "file"),
            Run("relationship", ["relationship"], tmp_path / "homes" / "env"),
            Run("export", ["export", "-o", str(export)], tmp_path / "homes" / "env"),
        ]
        for run in later:
            run.child = zygote.run(run.argv, cli_env(run.home))
        runs += later
    finally:
        for run in runs:
            if run.server is not None:
                run.server.stop()

    found: dict[str, list[str]] = {}
    for run in runs:
        assert run.child is not None
        out, err = run.child.output()
        # Every run ended in a reply or a sentence, never in a crash.
        assert run.child.returncode in {0, 1, 3}, (run.label, out, err)
        if hits := leaks((out + err).encode()):
            found[f"output of {run.label}"] = hits
        if run.server is not None and run.argv[0] != "config" and not run.in_url:
            # The key was really in use: every request carried it.
            headers = {r.headers.get("authorization") for r in run.server.requests}
            assert headers == {f"Bearer {KEY}"}, run.label
    # The config file holds the key because the user put it there; nothing else may.
    written = [p for root in (tmp_path / "homes", export) for p in root.rglob("*") if p.is_file()]
    assert sum(p.name == "samantha.db" for p in written) == 4
    assert any(p.name == "samantha.json" for p in written)
    for path in written:
        if path != config and (hits := leaks(path.read_bytes())):
            found[str(path)] = hits
    # --debug tracebacks of failures are pinned in tests/faults/test_reported.py (a known leak).
    found.pop("output of debug say, rejected", None)
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
    from samantha.config.file import write_settings

    before = os.umask(0)
    try:
        path = write_settings({"api_key": KEY, "model": MODEL})
    finally:
        os.umask(before)
    assert mode(path) == 0o600
    # Its folder: tests/faults/test_reported.py (created with the umask's mode today).
