"""The runner drives the real engine: the clock, conversations, greetings, starting state,
backends, the judge and xfail marks."""

from __future__ import annotations

from typing import Any, cast

import pytest

from samantha.backends.base import Backend
from samantha.backends.scripted import ScriptedBackend
from samantha.conversation_tests.judge import Judge
from tests.conversation_tests.conftest import RunScript
from tests.fakeserver import FakeOpenAI, status, stream


def judge_saying(*answers: str) -> tuple[Judge, ScriptedBackend]:
    backend = ScriptedBackend(replies=list(answers))
    return Judge(cast(Backend, backend)), backend


async def test_wait_moves_the_engines_clock(run_script: RunScript) -> None:
    result = await run_script(
        """
persona: samantha
backend: scripted
start: 2026-03-02 09:30
state:
  mood: hostile
  relationship: {stage: friend, tension: 0.6}
steps:
  - user: Hello there.
  - wait: 3 days
    expect:
      # Her mood settles back to her temperament; time eases the tension.
      mood: {pleasure: rises, is: exuberant}
      relationship: {tension: falls}
  - user: I'm back.
    expect:
      prompt:
        section:
          time: [05 March 2026, You last spoke with the user 3 days ago]
      relationship: {events: return_after_absence}
"""
    )
    assert result.passed, result.failure_report()
    assert [s.label for s in result.steps][1] == "wait 3 days"


async def test_a_new_conversation_leaves_the_old_messages_out_of_the_prompt(
    run_script: RunScript,
) -> None:
    result = await run_script(
        """
backend: {scripted: [one, two, three]}
steps:
  - user: The password is swordfish.
  - user: Still here?
    expect:
      prompt: {contains: swordfish}
  - new_conversation
  - user: A fresh start.
    expect:
      prompt: {not_contains: swordfish}
      reply: {contains: three}
"""
    )
    assert result.passed, result.failure_report()


async def test_greet_is_checked_like_a_reply_and_silence_is_a_failure(
    run_script: RunScript,
) -> None:
    result = await run_script(
        """
backend: {scripted: ["Hi, I'm Samantha."]}
steps:
  - greet:
    expect:
      reply: {contains: Samantha}
      prompt: {section: {persona: You are Samantha}}
  - user: Hello.
  - greet:
    expect:
      reply: {contains: Samantha}
"""
    )
    assert [s.status for s in result.steps] == ["passed", "passed", "failed"]
    [sentence] = result.failure_sentences()
    assert ":9: step 3 (greet): expected a greeting, but she did not greet at all" in sentence


async def test_remember_step_and_starting_memories_are_recalled(run_script: RunScript) -> None:
    result = await run_script(
        """
backend: scripted
state:
  user_name: Theo
  memories:
    - {text: My sister is called Anna., kind: person, importance: 8}
    - {text: My interview is on Friday., kind: plan, importance: 8, due: 2026-01-09 10:00}
steps:
  - expect:
      memory: {count: 2, user_name: Theo, core_contains: Anna}
  - remember: {text: I love jazz., kind: preference}
  - user: What do you know about jazz?
    expect:
      memory: {recalled: jazz, not_recalled: Anna, count: 3}
      prompt:
        section:
          time: interview
"""
    )
    assert result.passed, result.failure_report()


@pytest.mark.parametrize(
    "mood",
    ["exuberant", "relaxed", "docile", "dependent", "bored", "disdainful", "anxious", "hostile"],
)
async def test_a_named_starting_mood_is_that_mood(run_script: RunScript, mood: str) -> None:
    result = await run_script(
        f"state: {{mood: {mood}}}\nsteps:\n  - expect: {{mood: {{is: {mood}}}}}\n"
    )
    assert result.passed, result.failure_report()


@pytest.mark.parametrize("stage", ["close", "stranger"])
async def test_a_starting_stage_holds_through_the_first_message(
    run_script: RunScript, stage: str
) -> None:
    # A stranger too: leaving the first stage takes a real first talk, not the bond alone.
    result = await run_script(
        f"""
backend: scripted
state:
  relationship: {{stage: {stage}}}
steps:
  - expect: {{relationship: {{stage: {stage}}}}}
  - user: Hi.
    expect: {{relationship: {{stage: {stage}, strained: false}}}}
"""
    )
    assert result.passed, result.failure_report()


@pytest.mark.parametrize(
    ("state", "line", "problem"),
    [
        (
            "relationship: {stage: bestie}",
            3,
            "Samantha has no stage 'bestie': use one of stranger, acquaintance, friend, close, intimate.",
        ),
        (
            "relationship: {stage: intimate, closeness: 0.1}",
            3,
            "closeness 0.10, trust 0.30 and tension 0.00 make a bond of 0.17, which is the stage "
            "'acquaintance', not 'intimate': change the numbers or leave out closeness.",
        ),
        (
            "mood: {name: relaxed, pleasure: -0.5}",
            3,
            "those values make her disdainful, not relaxed: change the numbers or drop the name.",
        ),
    ],
)
async def test_a_starting_state_that_cannot_be_is_one_sentence_with_its_line(
    run_script: RunScript, state: str, line: int, problem: str
) -> None:
    result = await run_script(f"backend: scripted\nstate:\n  {state}\nsteps:\n  - user: hi\n")
    assert result.malformed
    assert result.error == f"{result.path}:{line}: {problem}"
    assert result.failure_sentences() == [result.error]


async def test_a_stage_the_persona_does_not_have_is_caught_before_running(
    run_script: RunScript,
) -> None:
    result = await run_script(
        "persona: alan\nsteps:\n  - user: hi\n    expect:\n      relationship: {stage: [friend, acquaintance]}\n"
    )
    assert result.malformed
    assert result.error is not None
    assert result.error.startswith(f"{result.path}:5: Alan has no stage 'acquaintance': use one of")
    assert result.steps == []


async def test_an_unknown_persona_points_at_its_line(run_script: RunScript) -> None:
    result = await run_script("title: x\npersona: nobody\nsteps:\n  - user: hi\n")
    assert result.error is not None
    assert result.error.startswith(f"{result.path}:2: There is no persona called 'nobody'")


async def test_a_persona_path_is_read_relative_to_the_script(
    run_script: RunScript, write_script: Any
) -> None:
    write_script("name: Ada\ntagline: a test persona\n", "ada.yaml")
    result = await run_script(
        "persona: ada.yaml\nbackend: scripted\nsteps:\n  - user: hi\n    expect:\n      prompt: {contains: You are Ada}\n"
    )
    assert result.passed, result.failure_report()


async def test_backend_override_runs_the_same_script_on_another_backend(
    run_script: RunScript,
) -> None:
    text = """
backend: {scripted: [A canned reply.]}
steps:
  - user: Hi, call me Theo.
    expect:
      reply: {contains: canned}
"""
    assert (await run_script(text)).passed
    offline = await run_script(text, backend="offline")
    assert offline.backend == "offline"
    assert not offline.passed
    assert "Theo" in (offline.steps[0].reply or "")


async def test_a_configured_backend_is_reached_like_the_app_reaches_it(
    run_script: RunScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMANTHA_MAX_RETRIES", "0")
    with FakeOpenAI() as server:
        server.enqueue(stream(["Hello ", "from ", "the ", "server."]))
        result = await run_script(
            "backend: offline\nsteps:\n  - user: Hi there.\n    expect:\n      reply: {contains: server}\n",
            backend="custom",
            base_url=server.base_url,
        )
        sent = server.chat_requests[0].json
    assert result.passed, result.failure_report()
    assert "You are Samantha" in sent["messages"][0]["content"]


async def test_a_backend_error_stops_the_script_at_that_step(
    run_script: RunScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMANTHA_MAX_RETRIES", "0")
    with FakeOpenAI() as server:
        server.enqueue(status(400))
        result = await run_script(
            "steps:\n  - user: Hi there.\n  - user: Are you there?\n",
            backend="custom",
            base_url=server.base_url,
        )
    assert not result.passed
    assert [s.status for s in result.steps] == ["error"]
    [sentence] = result.failure_sentences()
    assert sentence.startswith(f'{result.path}:2: step 1 (user: "Hi there."): ')
    assert result.total_steps == 2


async def test_script_settings_reach_the_engine(run_script: RunScript) -> None:
    result = await run_script(
        """
backend: scripted
settings: {recall_k: 0}
state: {memories: [I love jazz.]}
steps:
  - user: Do you like jazz?
    expect:
      memory: {not_recalled: jazz}
      prompt: {not_contains: I love jazz}
"""
    )
    assert result.passed, result.failure_report()


async def test_a_small_context_window_shows_in_the_prompt_budget(run_script: RunScript) -> None:
    result = await run_script(
        """
backend: {scripted: [ok], context_window: 600}
steps:
  - user: Hello.
    expect:
      prompt: {tokens_below: 600}
"""
    )
    assert result.passed, result.failure_report()


# -- xfail ------------------------------------------------------------------------------------


async def test_a_known_problem_is_expected_to_fail(run_script: RunScript) -> None:
    result = await run_script(
        """
backend: {scripted: [Hello.]}
steps:
  - user: Hi.
    expect: {reply: {contains: Goodbye}}
    xfail: she never says goodbye
"""
    )
    assert result.passed
    assert result.steps[0].status == "xfailed"
    assert result.known_failures == 1


async def test_a_known_problem_that_is_fixed_fails_until_the_mark_goes(
    run_script: RunScript,
) -> None:
    result = await run_script(
        """
backend: {scripted: [Hello.]}
steps:
  - user: Hi.
    expect: {reply: {contains: Hello}}
    xfail:
      reason: the reply is wrong
      expect: {reply: {max_words: 5}}
"""
    )
    assert not result.passed
    [sentence] = result.failure_sentences()
    assert "marked xfail (the reply is wrong), but the expectations it covers all held" in sentence


async def test_an_xfail_block_does_not_excuse_the_steps_own_expectations(
    run_script: RunScript,
) -> None:
    result = await run_script(
        """
backend: {scripted: [Hello.]}
steps:
  - user: Hi.
    expect: {reply: {contains: Theo}}
    xfail:
      reason: known
      expect: {reply: {contains: Goodbye}}
"""
    )
    assert result.steps[0].status == "failed"
    [sentence] = result.failure_sentences()
    assert "expected reply contains “Theo”" in sentence


# -- the judge ----------------------------------------------------------------------------------

JUDGED = """
backend: {scripted: ["Anna! How is she?"]}
steps:
  - user: My sister is called Anna.
    expect:
      judge: She asks about his sister by name.
"""


async def test_the_judge_scores_a_criterion(run_script: RunScript) -> None:
    judge, backend = judge_saying('```json\n{"score": 5, "reason": "She names Anna."}\n```')
    result = await run_script(JUDGED, judge=judge)
    assert result.passed, result.failure_report()
    [outcome] = result.steps[0].outcomes
    assert outcome.observed == "the judge scored it 5/5 (She names Anna)"
    [request] = backend.requests
    asked = request.messages[-1].content
    assert "My sister is called Anna." in asked
    assert "Anna! How is she?" in asked
    assert "Criterion: She asks about his sister by name." in asked


async def test_a_low_score_fails_with_the_judges_reason(run_script: RunScript) -> None:
    judge, _ = judge_saying('{"score": 2, "reason": "She ignores the sister"}')
    result = await run_script(JUDGED, judge=judge)
    [sentence] = result.failure_sentences()
    assert sentence.endswith(
        "expected judge: She asks about his sister by name., but the judge scored it 2/5 "
        "(She ignores the sister)."
    )


async def test_an_answer_that_is_not_a_score_fails_rather_than_passes(
    run_script: RunScript,
) -> None:
    judge, _ = judge_saying("Looks fine to me!")
    result = await run_script(JUDGED, judge=judge)
    [sentence] = result.failure_sentences()
    assert "the judge's answer was not a score: “Looks fine to me!”" in sentence
