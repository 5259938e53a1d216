"""Each kind of expectation, holding and failing, with the sentence a failure reads as."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from samantha.conversation_tests.checks import MATCH_SECONDS
from tests.conversation_tests.conftest import RunScript, WriteScript

#: One turn on the scripted backend: she already knows he loves jazz, and him (an acquaintance
#: just short of a friend); he gives his name, thanks her warmly and asks about jazz.
STORY = """\
persona: samantha
backend:
  scripted: ["Hello Theo, it is lovely to meet you."]
start: 2026-03-02 09:30
state:
  {{memories: [I love jazz.], relationship: {{closeness: 0.21}}}}
steps:
  - user: Call me Theo. Thank you, you're wonderful. Do you like jazz?
    expect:
{expect}
"""


def story(expect: str) -> str:
    return STORY.format(expect=textwrap.indent(expect.strip(), " " * 6))


HOLDS = [
    # her words: substrings ignore case, patterns do not
    "reply: {contains: theo}",
    "reply: {contains: [Hello, lovely]}",
    "reply: {not_contains: goodbye}",
    "reply: {matches: 'Theo, it'}",
    "reply: {not_matches: '\\?'}",
    "reply: {max_words: 8, min_words: 8}",
    # her mood and the relationship
    "mood: {is: exuberant, is_not: [hostile, anxious]}",
    "mood: {pleasure: rises, intensity: {above: 0.1, below: 1.0}}",
    "relationship: {stage: friend, stage_not: acquaintance}",
    "relationship: {events: [affection, gratitude], no_events: insult}",
    "relationship: {closeness: rises, tension: steady, bond: rises, strained: false}",
    # memory
    "memory: {recalled: jazz, not_recalled: Anna}",
    "memory: {learned: My name is Theo, core_contains: Theo, user_name: theo}",
    "memory: {core_not_contains: Anna}",
    "memory: {not_learned: jazz}",
    "memory: {count: 2}",
    "memory: {count: {at_least: 1, at_most: 5}}",
    # the prompt that was sent
    "prompt: {contains: [I love jazz, Their name is Theo], not_contains: Anna}",
    "prompt: {tokens_below: 100000}",
    "prompt: {section: {persona: You are Samantha, memories: jazz, mood: Your mood}}",
]


@pytest.mark.parametrize("expect", HOLDS)
async def test_expectations_that_hold(run_script: RunScript, expect: str) -> None:
    result = await run_script(story(expect))
    assert result.passed, result.failure_report()
    assert result.expectations_failed == 0
    assert result.expectations_passed >= 1


FAILS = [
    ("reply: {contains: Anna}", "expected reply contains “Anna”, but her reply does not"),
    ("reply: {not_contains: lovely}", "expected reply without “lovely”, but it is there: “"),
    ("reply: {matches: '^Bye'}", "expected reply matching /^Bye/, but nothing in it matches"),
    (
        "reply: {not_matches: 'lov\\w+'}",
        "expected reply not matching /lov\\w+/, but it has “lovely”",
    ),
    ("reply: {max_words: 5}", "expected reply of at most 5 words, but it has 8"),
    ("reply: {min_words: 20}", "expected reply of at least 20 words, but it has 8"),
    ("mood: {is: hostile}", "expected mood hostile, but she is "),
    ("mood: {is_not: exuberant}", "expected mood not exuberant, but she is "),
    ("mood: {pleasure: falls}", "expected mood pleasure falls, but mood pleasure went +0.35 → +"),
    ("mood: {arousal: {above: 0.95}}", "expected mood arousal above +0.95, but it is +"),
    ("mood: {dominance: steady}", "expected mood dominance steady, but mood dominance went"),
    (
        "relationship: {stage: close}",
        "expected stage close, but the stage is friend (it was acquaintance)",
    ),
    (
        "relationship: {stage_not: friend}",
        "expected stage not friend, but the stage is friend",
    ),
    (
        "relationship: {events: insult}",
        "expected an insult event, but this step's events were affection, gratitude, time_together",
    ),
    (
        "relationship: {no_events: gratitude}",
        "expected no gratitude event, but this step's events were",
    ),
    ("relationship: {tension: rises}", "expected tension rises, but tension went +0.00 → +0.00"),
    (
        "relationship: {strained: true}",
        "expected the relationship strained, but it is not strained (tension 0.00)",
    ),
    ("relationship: {trust: {below: 0.1}}", "expected trust below +0.10, but it is +0.3"),
    (
        "memory: {recalled: Anna}",
        "expected a recalled memory with “Anna”, but she recalled “I love jazz.” (",
    ),
    (
        "memory: {not_recalled: jazz}",
        "expected no recalled memory with “jazz”, but she recalled “I love jazz.”",
    ),
    ("memory: {learned: Paris}", "expected she learns “Paris”, but she learned “My name is Theo.”"),
    (
        "memory: {not_learned: Theo}",
        "expected she does not learn “Theo”, but she learned “My name is Theo.”",
    ),
    ("memory: {core_contains: Anna}", "expected core memory with “Anna”, but core memory is “Theo"),
    (
        "memory: {core_not_contains: Theo}",
        "expected core memory without “Theo”, but core memory is “Theo",
    ),
    (
        "memory: {user_name: Bob}",
        "expected their name known as “Bob”, but she knows them as “Theo”",
    ),
    ("memory: {count: {at_most: 1}}", "expected at most 1 memories, but she has 2"),
    ("prompt: {contains: Anna}", "expected the prompt contains “Anna”, but it is not in the "),
    (
        "prompt: {not_contains: I love jazz}",
        "expected the prompt without “I love jazz”, but it is in the memories section: “",
    ),
    (
        "prompt: {not_contains: wonderful}",
        "expected the prompt without “wonderful”, but it is in a user message: “",
    ),
    ("prompt: {tokens_below: 10}", "expected a prompt under 10 tokens, but it has "),
    (
        "prompt: {section: {lorebook: jazz}}",
        "expected the prompt's lorebook section contains “jazz”, but there is no lorebook section (there are: persona, core memory, mood, time, memories, history)",
    ),
    (
        "prompt: {section_not: {memories: jazz}}",
        "expected the prompt's memories section without “jazz”, but it is there: “",
    ),
    (
        "prompt: {section: {time: Anna}}",
        "expected the prompt's time section contains “Anna”, but it says “It is now",
    ),
]


@pytest.mark.parametrize(("expect", "sentence"), FAILS)
async def test_expectations_that_fail_say_what_was_there(
    run_script: RunScript, expect: str, sentence: str
) -> None:
    result = await run_script(story(expect))
    assert not result.passed
    [step] = result.steps
    assert step.status == "failed"
    [failure] = result.failure_sentences()
    where = f'{result.path}:8: step 1 (user: "Call me Theo. Thank you, you\'re wonderful. Do you like jazz?"): '
    assert failure.startswith(where), failure
    assert sentence in failure, failure
    assert failure.endswith(".")
    # The report adds her reply under the failing step.
    assert "her reply: “Hello Theo, it is lovely to meet you.”" in result.failure_report()


async def test_judge_without_a_judge_backend_is_skipped_with_the_reason(
    run_script: RunScript,
) -> None:
    result = await run_script(story("judge: She greets him by name."))
    assert result.passed
    [outcome] = result.steps[0].outcomes
    assert outcome.passed is None
    assert "no judge backend is configured" in outcome.observed
    assert result.expectations_skipped == 1


async def test_every_failing_expectation_of_a_step_is_reported(run_script: RunScript) -> None:
    result = await run_script(story("reply: {contains: [Anna, Theo, Paris]}\nmood: {is: bored}"))
    sentences = result.failure_sentences()
    assert len(sentences) == 3
    assert [("Anna" in s, "Paris" in s, "bored" in s) for s in sentences] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert result.expectations_passed == 1
    assert result.expectations_failed == 3


def test_every_expectation_field_is_exercised_here() -> None:
    """A field the checks forgot would be silently ignored: each one appears in a case above."""
    import yaml

    from samantha.conversation_tests.expectations import (
        MemoryExpect,
        MoodExpect,
        PromptExpect,
        RelationshipExpect,
        ReplyExpect,
    )

    used: dict[str, set[str]] = {}
    for text in [*HOLDS, *(case for case, _ in FAILS)]:
        for part, fields in yaml.safe_load(text).items():
            used.setdefault(part, set()).update(fields)
    models = {
        "reply": ReplyExpect,
        "mood": MoodExpect,
        "relationship": RelationshipExpect,
        "memory": MemoryExpect,
        "prompt": PromptExpect,
    }
    for part, model in models.items():
        names = {info.alias or name for name, info in model.model_fields.items()}
        assert names <= used[part], (part, names - used[part])


# -- hostile scripts ---------------------------------------------------------------------------


def run_cli(home: Path, script: Path) -> subprocess.CompletedProcess[str]:
    """`samantha test` as CI runs it; the timeout turns a hang into a failure."""
    return subprocess.run(
        [sys.executable, "-m", "samantha", "test", str(script)],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "SAMANTHA_HOME": str(home)},
        stdin=subprocess.DEVNULL,
    )


def test_a_pattern_that_backtracks_without_end_fails_instead_of_hanging(
    write_script: WriteScript, tmp_path: Path
) -> None:
    script = write_script(
        textwrap.dedent(
            """\
            persona: samantha
            backend:
              scripted: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"]
            steps:
              - user: hi
                expect:
                  reply: {matches: '(a|aa)+$', not_matches: '(a+)+$'}
            """
        )
    )
    done = run_cli(tmp_path / "home", script)
    assert done.returncode == 1, done.stdout + done.stderr
    # (a+)+$ no longer backtracks at all; (a|aa)+$ still would, and is stopped.
    assert f"matching was stopped after {MATCH_SECONDS:g} s" in done.stdout, done.stdout


def test_a_script_whose_persona_is_not_a_persona_file_is_malformed(
    write_script: WriteScript, tmp_path: Path
) -> None:
    (tmp_path / "scripts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "scripts" / "notes.yaml").write_text("hello: world\n", encoding="utf-8")
    for persona in ("notes.yaml", "missing.yaml", "nobody-at-all"):
        script = write_script(
            f"persona: {persona}\nbackend: offline\nsteps:\n  - user: hi\n",
            name=f"{persona}.convo.yaml",
        )
        done = run_cli(tmp_path / "home", script)
        assert done.returncode == 2, (persona, done.stdout, done.stderr)
