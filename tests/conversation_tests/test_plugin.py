"""pytest collects *.convo.yaml files (through the pytest11 entry point) and reports a failing
step as its sentence, not as a traceback through the runner."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

GOOD = """\
backend: {scripted: [Hi Theo.]}
steps:
  - user: Call me Theo.
    expect: {reply: {contains: Theo}, memory: {user_name: Theo}}
"""

BAD = """\
backend: {scripted: [Hello there.]}
steps:
  - user: Call me Theo.
  - user: Do you remember my name?
    expect:
      reply: {contains: Theo}
"""


@pytest.fixture(autouse=True)
def lean(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inner sessions load only this plugin: others (snapshots, hypothesis) are slow to start
    # and keep per-process state that a nested session disturbs.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p", "samantha.conversation_tests.pytest_plugin", "-p", "no:cacheprovider", *args
    )


def test_the_plugin_is_installed_as_an_entry_point() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("samantha") == "samantha.conversation_tests.pytest_plugin", (
        "the pytest11 entry point is missing: reinstall the package (pip install -e .)"
    )


def test_scripts_are_collected_as_tests(pytester: pytest.Pytester) -> None:
    pytester.makefile(".convo.yaml", first_meeting=GOOD, forgetting=BAD)
    pytester.makefile(".yaml", not_a_script="steps: 3\n")
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["first_meeting.convo.yaml::first_meeting", "forgetting.convo.yaml::forgetting"]
    )
    assert "not_a_script" not in result.stdout.str()


def test_a_passing_script_passes(pytester: pytest.Pytester) -> None:
    pytester.makefile(".convo.yaml", first_meeting=GOOD)
    result = run(pytester, "-q")
    result.assert_outcomes(passed=1)


def test_a_failing_step_reads_as_its_sentence(pytester: pytest.Pytester) -> None:
    pytester.makefile(".convo.yaml", forgetting=BAD)
    result = run(pytester, "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*forgetting.convo.yaml:4: step 2 (user: "Do you remember my name?"): expected '
            "reply contains “Theo”, but her reply does not.",
            "    her reply: “...”",
            "*Captured conversation call*",
            '1. user: "Call me Theo."',
            "FAILED forgetting.convo.yaml::forgetting",
        ]
    )
    out = result.stdout.str()
    assert "Traceback" not in out
    assert "runner.py" not in out
    assert "ScriptFailed" not in out


def test_a_malformed_script_fails_with_its_sentence(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".convo.yaml", broken="steps:\n  - user: hi\n    expect:\n      mood: {is: hapy}\n"
    )
    result = run(pytester, "-q")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "broken.convo.yaml:4: 'steps[0].expect.mood.is[0]' cannot be 'hapy': use one of" in out
    assert "Traceback" not in out


def test_backend_option_and_the_summary_lines(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".convo.yaml",
        judged=GOOD + "    xfail: {reason: never says goodbye, expect: {reply: {contains: bye}}}\n"
        "  - user: Thanks.\n    expect: {judge: She is gracious.}\n",
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "conversation scripts: judge criteria in 1 script(s) were not scored*",
            "conversation scripts: 1 known problem(s) marked xfail:",
            "  judged.convo.yaml:3: never says goodbye",
        ]
    )
    # The same script on the offline voice: she answers the name herself.
    offline = run(pytester, "-q", "--convo-backend", "offline")
    offline.assert_outcomes(passed=1)
