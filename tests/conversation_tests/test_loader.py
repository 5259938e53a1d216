"""Malformed scripts read as one sentence with the file, the line and the problem; no input,
however mangled, gives any other exception."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samantha.conversation_tests.errors import ScriptError
from samantha.conversation_tests.loader import find_scripts, load_script, parse_script
from samantha.conversation_tests.model import parse_duration
from samantha.conversation_tests.runner import run_file

SOURCE = "story.convo.yaml"

MALFORMED = [
    ("", 1, "the script is empty: start it with `persona: samantha` and a list of `steps:`."),
    (
        "- user: hi\n",
        1,
        "a script is a mapping (persona, backend, steps ...), not a list: start it with `persona: samantha`.",
    ),
    (
        "persona: samantha\n",
        1,
        "the script has no steps: add `steps:` with a list like `- user: hello`.",
    ),
    ("steps: []\n", 1, "the script has no steps: add at least one, like `- user: hello`."),
    ("persona: samantha\nstep:\n  - user: hi\n", 2, "there is no 'step': did you mean 'steps'?"),
    ("steps:\n  - usr: hi\n", 2, "there is no 'usr' in 'steps[0]': did you mean 'user'?"),
    (
        "steps:\n  - user: hi\n  - new_convo\n",
        3,
        "'steps[1]' is invalid: 'new_convo' is not a step: did you mean 'new_conversation'?",
    ),
    (
        "steps:\n  - hello\n",
        2,
        "'steps[0]' is invalid: 'hello' is not a step: write `- user: hello`, `- wait: 3 days`, `- new_conversation` or `- greet`.",
    ),
    (
        "steps:\n  - user: hi\n    wait: 3 days\n",
        2,
        "'steps[0]' is invalid: a step does one thing, but this one has user and wait: split it into separate steps.",
    ),
    (
        "steps:\n  - user: hi\n    user: ho\n",
        3,
        "'user' appears twice here (first on line 2): each step is its own list item, so start the next one with '- '.",
    ),
    (
        "persona: a\npersona: b\nsteps:\n  - user: hi\n",
        2,
        "'persona' appears twice here (first on line 1): keep one of them.",
    ),
    (
        "steps:\n  - user: yes\n",
        2,
        "'steps[0].user' should be text, not true (a yes/no value): put the value in quotes.",
    ),
    (
        "steps:\n  - user: '  '\n",
        2,
        "'steps[0]' is invalid: the user's message is empty: write what they say after `user:`.",
    ),
    (
        "steps:\n  - wait: 3\n",
        2,
        "'steps[0].wait' is invalid: write a duration with its unit, like `3 days` or `12 hours`.",
    ),
    (
        "steps:\n  - wait: three days\n",
        2,
        "'steps[0].wait' is invalid: 'three days' is not a duration: write a number and a unit, like `3 days` or `12 hours`.",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      memory: {recaled: Anna}\n",
        4,
        "there is no 'recaled' in 'steps[0].expect.memory': did you mean 'recalled'?",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      mood: {is: happy}\n",
        4,
        "'steps[0].expect.mood.is[0]' cannot be 'happy': use one of exuberant, relaxed, docile, dependent, bored, disdainful, anxious, hostile, sad, cheerful, content, upset, alert, calm, neutral.",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      mood: {is: hostle}\n",
        4,
        "'steps[0].expect.mood.is[0]' cannot be 'hostle': did you mean 'hostile'?",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      mood: {pleasure: rise}\n",
        4,
        "'steps[0].expect.mood.pleasure' is invalid: 'rise' is not a change: write rises, falls or steady, or a range like `{above: 0.2}`.",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      relationship: {events: insul}\n",
        4,
        "'steps[0].expect.relationship.events[0]' cannot be 'insul': did you mean 'insult'?",
    ),
    (
        "steps:\n  - user: hi\n    expect:\n      reply: {matches: '(('}\n",
        4,
        "'steps[0].expect.reply.matches' is invalid: '((' is not a valid regular expression (missing ), unterminated subpattern at position 1).",
    ),
    (
        "steps:\n  - wait: 1 day\n    expect:\n      reply: {contains: x}\n",
        2,
        "'steps[0]' is invalid: 'expect.reply' needs her to speak: put it on a `user:` or `greet` step.",
    ),
    (
        "steps:\n  - greet\n  - greet:\n    expect:\n      memory: {recalled: x}\n",
        3,
        "'steps[1]' is invalid: what she recalled or learned is only known after a `user:` step.",
    ),
    (
        "steps:\n  - user: hi\n    xfail: broken\n",
        2,
        "'steps[0]' is invalid: 'xfail' marks expectations that fail: add an `expect:` block or remove it.",
    ),
    (
        "settings:\n  recal_k: 3\nsteps:\n  - user: hi\n",
        2,
        "there is no 'recal_k' in 'settings': did you mean 'recall_k'?",
    ),
    (
        "settings:\n  recall_k: -1\nsteps:\n  - user: hi\n",
        2,
        "'settings.recall_k' is -1, but it must be at least 0: change the value.",
    ),
    (
        "settings:\n  backend: openai\nsteps:\n  - user: hi\n",
        2,
        "'backend' cannot be set under 'settings': it belongs in the script's `backend:`.",
    ),
    (
        "backend: {scripted: hi}\nsteps:\n  - user: hi\n",
        1,
        "'backend.scripted' should be a list, not 'hi': put each item on its own line starting with '- '.",
    ),
    (
        "backend: {name: x, scripted: [a]}\nsteps:\n  - user: hi\n",
        1,
        "'backend' is invalid: write `backend: offline`, a configured backend's name, or `scripted:` with replies.",
    ),
    (
        "start: tomorrow\nsteps:\n  - user: hi\n",
        1,
        "'start' should be a moment, not 'tomorrow': write it like 2026-03-02 09:30.",
    ),
    (
        "state:\n  mood: {pleasure: 2}\nsteps:\n  - user: hi\n",
        2,
        "'state.mood.pleasure' is 2, but it must be at most 1: change the value.",
    ),
    (
        "steps:\n\t- user: hi\n",
        2,
        "the YAML is malformed (found character '\\t' that cannot start any token): indent with spaces, not tabs.",
    ),
    (
        "steps:\n  - user: hi: there\n",
        2,
        "the YAML is malformed (mapping values are not allowed here): put text that contains ': ' in quotes.",
    ),
]


@pytest.mark.parametrize(("text", "line", "problem"), MALFORMED)
def test_malformed_scripts_are_one_sentence_with_file_and_line(
    text: str, line: int, problem: str
) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, SOURCE)
    assert str(caught.value) == f"{SOURCE}:{line}: {problem}"
    assert caught.value.exit_code == 2


def test_later_problems_are_counted_not_listed() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script("steps:\n  - usr: hi\n  - wat: 3 days\n", SOURCE)
    assert str(caught.value) == (
        f"{SOURCE}:2: there is no 'usr' in 'steps[0]': did you mean 'user'? "
        "(1 more problem after this one)."
    )


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/two.convo.yaml", "one.convo.yaml", "notes.yaml"):
        (tmp_path / name).write_text("steps:\n  - user: hi\n")
    found = find_scripts([tmp_path])
    assert [p.name for p in found] == ["two.convo.yaml", "one.convo.yaml"]
    assert find_scripts([tmp_path / "notes.yaml"]) == [tmp_path / "notes.yaml"]
    with pytest.raises(ScriptError, match=r"There is no file or folder at .*missing"):
        find_scripts([tmp_path / "missing"])


def test_unreadable_files_are_one_sentence(tmp_path: Path) -> None:
    binary = tmp_path / "bad.convo.yaml"
    binary.write_bytes(b"steps:\n  - user: caf\xe9\n")
    with pytest.raises(ScriptError) as caught:
        load_script(binary)
    assert (
        str(caught.value)
        == f"{binary}:2: the file is not UTF-8 text (byte 0xe9): save it as UTF-8."
    )
    with pytest.raises(ScriptError, match="is a folder"):
        load_script(tmp_path)


def test_a_step_line_is_where_the_step_starts() -> None:
    loaded = parse_script(
        "persona: samantha\nsteps:\n  - greet\n\n  - user: hi\n  - wait: 1 hour\n", SOURCE
    )
    assert [loaded.step_line(i) for i in range(3)] == [3, 5, 6]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3 days", 3 * 86400),
        ("1 week and 2 hours", 7 * 86400 + 7200),
        ("an hour", 3600),
        ("90 minutes", 5400),
        ("1.5 days", 1.5 * 86400),
        ("2 weeks, 1 day", 15 * 86400),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


# -- whatever the input, a script or one sentence ---------------------------------------------

VALID = """\
persona: samantha
backend:
  scripted: [Hi Theo.]
start: 2026-03-02 09:30
state:
  mood: relaxed
  relationship: {stage: friend}
  memories: [My sister is called Anna.]
steps:
  - greet
  - user: Call me Theo.
    expect:
      reply: {contains: Theo, max_words: 20}
      mood: {is: exuberant, pleasure: rises}
      relationship: {stage: friend, events: time_together}
      memory: {user_name: Theo, count: {at_least: 1}}
      prompt: {contains: Theo, tokens_below: 4000, section: {time: It is now}}
  - wait: 3 days
  - new_conversation
"""


def _sentence_or_script(text: str) -> None:
    try:
        parse_script(text, SOURCE)
    except ScriptError as exc:
        sentence = str(exc)
        assert sentence.startswith(SOURCE), sentence
        assert sentence.endswith((".", "?")), sentence
        assert len(sentence.splitlines()) == 1, sentence


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_is_a_script_or_one_sentence(text: str) -> None:
    _sentence_or_script(text)


def mutate(data: st.DataObject) -> str:
    """The valid script with a few lines dropped, doubled, cut, swapped or salted with junk."""
    lines = VALID.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "cut", "insert", "swap"]))
        if action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "cut":
            line = lines[index]
            at = data.draw(st.integers(0, len(line)))
            lines[index] = line[:at]
        elif action == "insert":
            junk = data.draw(st.text(alphabet=" :-[]{}#'\"\t\nab0.~&*!|>%@`", max_size=12))
            line = lines[index]
            at = data.draw(st.integers(0, len(line)))
            lines[index] = line[:at] + junk + line[at:]
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_scripts_are_a_script_or_one_sentence(data: st.DataObject) -> None:
    _sentence_or_script(mutate(data))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_mutated_scripts_run_or_fail_in_one_sentence(tmp_path: Path, data: st.DataObject) -> None:
    """Through the engine too: a result, never an exception, and its sentences one line each."""
    path = tmp_path / "mutant.convo.yaml"
    path.write_text(mutate(data), encoding="utf-8")
    result = asyncio.run(run_file(path))
    for sentence in result.failure_sentences():
        assert sentence.startswith(str(path)), sentence
        assert len(sentence.splitlines()) == 1, sentence


@pytest.mark.parametrize(
    "text",
    [
        'steps:\n  - "a\\nb": 1\n',
        'steps:\n  - user: hi\n    expect:\n      mood: {is: "ha\\npy"}\n',
        'steps:\n  - "x\\u2028y"\n',
        'steps:\n  - wait: "3\\nfoo"\n',
        'steps:\n  - user: hi\n    expect:\n      reply: {matches: "(\\n"}\n',
        'steps:\n  - user: hi\n    expect:\n      prompt: {section: {"a\\nb": [[1]]}}\n',
        "steps:\n  - " + "x" * 5000 + ": 1\n",
    ],
)
def test_what_the_author_wrote_is_echoed_on_one_short_line(text: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, SOURCE)
    sentence = str(caught.value)
    assert len(sentence.splitlines()) == 1, sentence
    assert len(sentence) < 400, sentence


WORDS = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("\n\t\x85\u2028:-"), max_size=8
)

YAML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True, allow_infinity=True)
    | WORDS
    | st.sampled_from(["greet", "new_conversation", "3 days", "rises", "relaxed", "friend"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "user",
                    "wait",
                    "expect",
                    "reply",
                    "mood",
                    "memory",
                    "prompt",
                    "relationship",
                    "is",
                    "contains",
                    "pleasure",
                    "stage",
                    "steps",
                    "state",
                    "backend",
                    "scripted",
                    "xfail",
                    "reason",
                    "count",
                    "section",
                    "settings",
                    "recall_k",
                    "judge",
                    "x",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(YAML_VALUES, max_size=4),
    header=st.dictionaries(
        st.sampled_from(["persona", "backend", "start", "state", "settings", "title", "bogus"]),
        YAML_VALUES,
        max_size=3,
    ),
)
def test_random_structures_are_a_script_or_one_sentence(
    steps: list[object], header: dict[str, object]
) -> None:
    text = yaml.safe_dump({**header, "steps": steps}, allow_unicode=True)
    _sentence_or_script(text)
