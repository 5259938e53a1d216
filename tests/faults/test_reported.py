"""Problems the fault suite found in code it did not own: fixed ones are plain tests now,
open ones a strict xfail.

When one is fixed its test starts passing, fails as XPASS, and the marker comes off. Each reason
names the function to change; the closing report of the fault suite says how.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.engine import TurnResult
from samantha.errors import RateLimited
from tests.conftest import MakeCompanion, collect
from tests.fakeserver import FakeOpenAI, status
from tests.faults.conftest import API_KEY, MakeBackend
from tests.faults.zygote import Zygote
from tests.test_cli import SAMANTHA, cli_env


def test_debug_tracebacks_do_not_carry_the_key(zygote: Zygote, isolated_home: Path) -> None:
    echo = f"Incorrect API key provided: {API_KEY}."
    with FakeOpenAI(status(400, message=echo)) as server:
        child = zygote.run(
            ["--debug", "--backend", "custom", "--base-url", server.base_url, "say", "hi"],
            cli_env(isolated_home, SAMANTHA_API_KEY=API_KEY, SAMANTHA_MAX_RETRIES="0"),
        )
    out, err = child.output()
    assert "Traceback" in err  # --debug does show the details
    assert API_KEY not in out + err


def test_say_dash_survives_bytes_that_are_not_utf8(isolated_home: Path) -> None:
    # A real interpreter, not the zygote: PYTHONIOENCODING only acts at start-up.
    done = subprocess.run(
        [*SAMANTHA, "say", "-"],
        input=b"hello \xff\xfe world\n",
        capture_output=True,
        timeout=60,
        env=cli_env(isolated_home, PYTHONIOENCODING="utf-8:strict"),
    )
    assert done.returncode == 0, done.stderr.decode()
    conn = sqlite3.connect(isolated_home / "samantha.db")
    try:
        users = conn.execute("SELECT text FROM messages WHERE role = 'user'").fetchall()
    finally:
        conn.close()
    assert users == [("hello \ufffd\ufffd world",)]


async def test_a_rate_limit_sentence_tells_the_truth_about_retries(
    make_companion: MakeCompanion, make_backend: MakeBackend
) -> None:
    with FakeOpenAI(status(429, retry_after=3600)) as server:
        companion = make_companion(make_backend(server.base_url, max_retries=2))
        with pytest.raises(RateLimited) as info:
            await collect(companion, "hello?")
        assert len(server.chat_requests) == 1
    assert "after 2 retries" not in str(info.value)


async def test_the_smallest_allowed_window_still_fits_the_budget(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend(context_window=512))
    _, result = await collect(companion, "hello")
    assert isinstance(result, TurnResult)
    assert result.prompt.tokens <= result.prompt.budget


def test_saving_settings_first_keeps_the_data_folder_private(isolated_home: Path) -> None:
    from samantha.config.file import write_settings
    from samantha.store import Store

    before = os.umask(0o022)
    try:
        write_settings({"model": "some-model"})
        Store.open(isolated_home / "samantha.db").close()
    finally:
        os.umask(before)
    assert stat.S_IMODE(isolated_home.stat().st_mode) == 0o700
