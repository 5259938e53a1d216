"""Promises the command line keeps when an attacker or a new user leans on it (issue 18):
addresses that carry keys, addresses that cannot work, doctor's exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from samantha.urls import redact, url_problem
from tests.fakeserver import FakeOpenAI, refused_base_url
from tests.test_cli import assert_one_line_error, run

USER_SECRET = "sk-userinfo-S3CRET"
QUERY_SECRET = "sk-query-S3CRET"
KEY_SECRET = "query-key-S3CRET"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (f"http://u:{USER_SECRET}@host:8000/v1", "http://***@host:8000/v1"),
        (f"http://{USER_SECRET}@host/v1", "http://***@host/v1"),
        (f"https://host/v1?api_key={QUERY_SECRET}", "https://host/v1?api_key=***"),
        (f"https://host/v1?key={KEY_SECRET}&x=1", "https://host/v1?key=***&x=1"),
        (f"https://host/v1?access_token={KEY_SECRET}", "https://host/v1?access_token=***"),
        (f"http://u:{USER_SECRET}@[bad:x/v1?key={KEY_SECRET}", "http://***@[bad:x/v1?key=***"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
    ],
)
def test_redact_hides_userinfo_and_key_parameters(url: str, kept: str | None) -> None:
    shown = redact(url)
    for secret in (USER_SECRET, QUERY_SECRET, KEY_SECRET):
        assert secret not in shown
    if kept is not None:
        assert shown == kept


def secret_url() -> str:
    refused = refused_base_url()  # http://127.0.0.1:PORT/v1
    host = refused.removeprefix("http://")
    return f"http://u:{USER_SECRET}@{host}?api_key={QUERY_SECRET}&key={KEY_SECRET}"


def test_a_key_inside_the_base_url_is_never_printed(isolated_home: Path) -> None:
    url = secret_url()
    said = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        url,
        "say",
        "hi",
        SAMANTHA_MAX_RETRIES="0",
    )
    doctor = run(isolated_home, "--backend", "custom", "--base-url", url, "doctor")
    shown = run(isolated_home, "config", "show", SAMANTHA_BASE_URL=url)
    debug = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        url,
        "say",
        "--debug",
        "hi",
        SAMANTHA_MAX_RETRIES="0",
    )
    assert_one_line_error(said, 3)
    assert "***@127.0.0.1" in said.stderr
    assert "base_url" in shown.stdout
    for done in (said, doctor, shown):
        for secret in (USER_SECRET, QUERY_SECRET, KEY_SECRET):
            assert secret not in done.stdout + done.stderr, (done.args, done.stdout, done.stderr)
    # --debug's traceback is the one place the client's own exception text may show.
    assert debug.returncode == 3


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://[bad:x/v1", "not a valid address"),
        ("http://127.0.0.1:99999/v1", "port '99999'"),
        ("ftp://127.0.0.1/v1", "scheme 'ftp'"),
        ("localhost:8000/v1", "http://"),
        ("http:///v1", "no server"),
    ],
)
def test_a_bad_base_url_gets_a_sentence_naming_its_problem(
    isolated_home: Path, url: str, words: str
) -> None:
    assert url_problem(url) is not None
    done = run(isolated_home, "--backend", "custom", "--base-url", url, "say", "hi")
    line = assert_one_line_error(done, 2)
    assert words in line, line
    assert "base-url" in line
    doctor = run(isolated_home, "--backend", "custom", "--base-url", url, "doctor")
    assert doctor.returncode == 1
    assert words in doctor.stdout


def test_good_urls_have_no_problem() -> None:
    for url in ("http://localhost:11434/v1", "https://api.openai.com/v1", "http://[::1]:8080/v1"):
        assert url_problem(url) is None, url


def test_doctor_exits_non_zero_when_the_backend_does_not_answer(isolated_home: Path) -> None:
    done = run(
        isolated_home,
        "--backend",
        "custom",
        "--base-url",
        refused_base_url(),
        "doctor",
        SAMANTHA_MAX_RETRIES="0",
    )
    assert done.returncode == 1, done.stdout
    assert "Cannot reach" in done.stdout
    assert done.stderr.startswith("samantha: ")
    assert "backend" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_doctor_exits_zero_when_everything_answers(isolated_home: Path) -> None:
    with FakeOpenAI() as server:
        done = run(isolated_home, "--backend", "custom", "--base-url", server.base_url, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr


def test_doctor_exits_non_zero_when_the_persona_does_not_load(isolated_home: Path) -> None:
    done = run(isolated_home, "--persona", "nobody-at-all", "doctor")
    assert done.returncode == 1
    assert "persona" in done.stderr
