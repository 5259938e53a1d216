"""What a run leaves behind: JUnit XML that parses, and `samantha test` as a user meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from samantha.conversation_tests.junit import to_xml, write_junit
from samantha.conversation_tests.results import Outcome, ScriptResult, StepResult
from tests.conversation_tests.conftest import RunScript, WriteScript
from tests.fakeserver import FakeOpenAI, stream

PASSING = """\
title: passes
backend: {scripted: [Hi Theo.]}
steps:
  - user: Call me Theo.
    expect: {reply: {contains: Theo}, memory: {user_name: Theo}}
  - wait: 1 day
"""

FAILING = """\
backend: {scripted: [Hello there., I am still here.]}
steps:
  - user: Call me Theo.
    expect:
      reply: {contains: Theo}
  - user: Still there?
    expect: {reply: {max_words: 1}}
    xfail: she says more than one word
"""


async def test_junit_xml_parses_and_counts(run_script: RunScript, tmp_path: Path) -> None:
    results = [
        await run_script(PASSING, "good.convo.yaml"),
        await run_script(FAILING, "bad.convo.yaml"),
        await run_script("steps:\n  - usr: hi\n", "broken.convo.yaml"),
    ]
    out = tmp_path / "reports" / "junit.xml"
    write_junit(results, out)
    root = ElementTree.parse(out).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "5",
        "1",
        "1",
        "1",
    )
    good, bad, broken = root.findall("testsuite")
    assert good.get("failures") == "0"
    assert [c.get("name") for c in good.findall("testcase")] == [
        'step 1: user: "Call me Theo."',
        "step 2: wait 1 day",
    ]
    assert good.find("testcase/system-out").text == "her reply: Hi Theo."  # type: ignore[union-attr]
    first, second = bad.findall("testcase")
    failure = first.find("failure")
    assert failure is not None
    assert first.get("line") == "3"
    assert failure.get("message", "").endswith(
        'bad.convo.yaml:3: step 1 (user: "Call me Theo."): expected reply contains “Theo”, '
        "but her reply does not."
    )
    assert second.find("skipped").get("message") == "xfail: she says more than one word"  # type: ignore[union-attr]
    error = broken.find("testcase/error")
    assert error is not None
    assert error.get("type") == "ScriptError"
    assert "there is no 'usr' in 'steps[0]': did you mean 'user'?" in error.get("message", "")


def test_junit_survives_what_a_model_might_say() -> None:
    step = StepResult(index=0, line=2, label="user: hi", reply="bell \x07 nul \x00 and \ud800")
    step.outcomes.append(Outcome("reply contains “x\x1b”", "it \x0c does not", False))
    result = ScriptResult(path=Path("odd.convo.yaml"), steps=[step], total_steps=3)
    text = ElementTree.tostring(to_xml([result]), encoding="unicode")
    root = ElementTree.fromstring(text)
    suite = root.find("testsuite")
    assert suite is not None
    # The steps that never ran are listed as skipped, so a CI system sees the whole script.
    assert suite.get("tests") == "3"
    assert suite.get("skipped") == "2"
    assert "\x00" not in text


# -- samantha test, in a real process ------------------------------------------------------------


def samantha(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMANTHA_", "OPENAI_"))}
    env.update(SAMANTHA_HOME=str(home), COLUMNS="100", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "samantha", "test", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


def test_samantha_test_passes_fails_and_writes_junit(
    write_script: WriteScript, tmp_path: Path
) -> None:
    good = write_script(PASSING, "good.convo.yaml")
    write_script(FAILING, "bad.convo.yaml")
    home, junit = tmp_path / "home", tmp_path / "out.xml"

    passed = samantha(home, str(good))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "good.convo.yaml" in passed.stdout
    assert "1 script: 1 passed, 0 failed" in passed.stdout

    failed = samantha(home, str(good.parent), "--junit", str(junit))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    for column in ("script", "steps", "passed", "failed", "time"):
        assert column in out
    assert 'step 1, line 3: user: "Call me Theo."' in out
    assert "expected: reply contains “Theo”" in out
    assert "observed: her reply does not" in out
    assert "her reply: “Hello there.”" in out
    assert "2 scripts: 1 passed, 1 failed" in out
    assert ElementTree.parse(junit).getroot().get("failures") == "1"

    # The same suite on another backend: the offline voice says his name back.
    offline = samantha(home, str(good.parent / "bad.convo.yaml"), "--backend", "offline")
    assert offline.returncode == 0, offline.stdout


def test_samantha_test_malformed_and_missing_exit_2(
    write_script: WriteScript, tmp_path: Path
) -> None:
    broken = write_script("steps:\n  - usr: hi\n", "broken.convo.yaml")
    home = tmp_path / "home"
    result = samantha(home, str(broken))
    assert result.returncode == 2
    assert "broken.convo.yaml:2: there is no 'usr' in 'steps[0]': did you mean 'user'?" in (
        result.stdout.replace("\n", "")
    )

    missing = samantha(home, str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"samantha: There is no file or folder at {tmp_path / 'nowhere'}: check the path."
    )
    assert "Traceback" not in missing.stderr


def test_samantha_test_scores_judge_criteria_with_a_judge_backend(
    write_script: WriteScript, tmp_path: Path
) -> None:
    script = write_script(
        "backend: {scripted: ['Anna! How is she?']}\nsteps:\n  - user: My sister is Anna.\n"
        "    expect: {judge: [She names his sister., She asks a question.]}\n",
        "judged.convo.yaml",
    )
    with FakeOpenAI() as server:
        server.enqueue(
            stream(['{"score": 5, "reason": "she says Anna"}']),
            stream(['{"score": 1, "reason": "no question"}']),
        )
        result = samantha(
            tmp_path / "home", str(script), "--judge", "custom", "--judge-base-url", server.base_url
        )
        asked = [r.json["messages"][-1]["content"] for r in server.chat_requests]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "expected: judge: She asks a question." in result.stdout
    assert "observed: the judge scored it 1/5 (no question)" in result.stdout
    assert "skipped" not in result.stdout
    assert all("Anna! How is she?" in text for text in asked)
