"""Expectations checked against what one step did: each gives an ``Outcome`` sentence pair.

Everything here reads an ``Observation`` the runner filled from the engine's own results
(``TurnResult``, ``inner_state()``, ``core_memory()``); nothing is asked of a model except by
the judge, which the runner passes in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from samantha.backends.base import ChatMessage
from samantha.conversation_tests.expectations import (
    Count,
    Expect,
    Measure,
    MemoryExpect,
    MoodExpect,
    PromptExpect,
    RelationshipExpect,
    ReplyExpect,
)
from samantha.conversation_tests.results import Outcome
from samantha.domain.memory import CoreMemory
from samantha.engine import TurnResult
from samantha.engine.prompt import Prompt, PromptSection
from samantha.state.inner import InnerState

#: Changes smaller than this are "steady": rounding, not feeling.
STEADY = 0.01
#: What a quoted excerpt may show of her reply or the prompt around a hit.
EXCERPT = 60

Judge = Callable[[str, "Observation"], Awaitable[Outcome]]
#: The longest one regular expression may search one reply or prompt. A pattern like
#: ``(a+)+$`` backtracks for longer than the universe has left on the wrong text; a script
#: must fail, not hang its CI.
MATCH_SECONDS = 1.0
_TOO_SLOW = (
    f"matching was stopped after {MATCH_SECONDS:g} s (the pattern backtracks without end, "
    "like (a|aa)+$): simplify it"
)


def search(pattern: str, text: str, seconds: float = MATCH_SECONDS) -> re.Match[str] | None:
    """``re.search`` with a time limit: the ``regex`` package (tiktoken's own dependency)
    searches with a timeout, and raises TimeoutError past it."""
    try:
        found: re.Match[str] | None = _regex().search(pattern, text, timeout=seconds)
    except _regex().error:
        # A pattern Python's re accepts but regex does not: searched as before, unbounded.
        return re.search(pattern, text)
    return found


def _regex() -> Any:
    """The ``regex`` module, untyped (it ships no type hints)."""
    import importlib

    return importlib.import_module("regex")


@dataclass
class Observation:
    """What one step did, as the engine reported it."""

    action: str
    before: InnerState
    after: InnerState
    #: Whether she was asked to speak (a user turn or a greeting), and what she said.
    spoke: bool = False
    reply: str | None = None
    result: TurnResult | None = None
    prompt: Prompt | None = None
    #: Every message the model was sent for her words in this step.
    messages: list[ChatMessage] = field(default_factory=list)
    core: CoreMemory | None = None
    #: After an idle step: whether she spoke first, and why or why not.
    nudged: bool | None = None
    nudge_why: str = ""
    memory_count: int | None = None


def quote(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return f"“{flat if len(flat) <= limit else flat[: limit - 1] + '…'}”"


def excerpt(haystack: str, needle: str) -> str:
    """The needle in its context, for 'it is there: …'."""
    at = haystack.casefold().find(needle.casefold())
    if at < 0:
        return quote(haystack)
    start, end = max(0, at - 25), min(len(haystack), at + len(needle) + 25)
    flat = " ".join(haystack[start:end].split())
    return f"“{'…' if start else ''}{flat}{'…' if end < len(haystack) else ''}”"


def has(haystack: str, needle: str) -> bool:
    return needle.casefold() in haystack.casefold()


async def evaluate(expect: Expect, seen: Observation, judge: Judge | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    if expect.reply is not None:
        outcomes += check_reply(expect.reply, seen)
    if expect.mood is not None:
        outcomes += check_mood(expect.mood, seen)
    if expect.relationship is not None:
        outcomes += check_relationship(expect.relationship, seen)
    if expect.memory is not None:
        outcomes += check_memory(expect.memory, seen)
    if expect.prompt is not None:
        outcomes += check_prompt(expect.prompt, seen)
    if expect.nudge is not None:
        wanted = "she speaks first" if expect.nudge else "she stays quiet"
        got = "she spoke first" if seen.nudged else "she stayed quiet"
        outcomes.append(Outcome(wanted, f"{got} ({seen.nudge_why})", seen.nudged == expect.nudge))
    for criterion in expect.judge:
        if judge is None:
            outcomes.append(
                Outcome(
                    f"judge: {criterion}",
                    "no judge backend is configured (pass --judge NAME to score it)",
                    None,
                )
            )
        elif seen.reply is None:
            outcomes.append(Outcome(f"judge: {criterion}", "she said nothing to judge", False))
        else:
            outcomes.append(await judge(criterion, seen))
    return outcomes


# -- her words --------------------------------------------------------------------------------


def check_reply(expect: ReplyExpect, seen: Observation) -> list[Outcome]:
    what = "greeting" if seen.action == "greet" else "reply"
    reply = seen.reply
    if reply is None:
        why = (
            "she did not greet at all (she stays quiet when you spoke less than an hour ago)"
            if seen.action == "greet"
            else "she did not reply"
        )
        return [Outcome(f"a {what}", why, False)]
    out: list[Outcome] = []
    for text in expect.contains:
        out.append(
            Outcome(f"{what} contains {quote(text)}", f"her {what} does not", has(reply, text))
        )
    for text in expect.not_contains:
        out.append(
            Outcome(
                f"{what} without {quote(text)}",
                f"it is there: {excerpt(reply, text)}",
                not has(reply, text),
            )
        )
    for pattern in expect.matches:
        try:
            found = search(pattern, reply)
        except TimeoutError:
            out.append(Outcome(f"{what} matching /{pattern}/", _TOO_SLOW, False))
            continue
        out.append(Outcome(f"{what} matching /{pattern}/", "nothing in it matches", bool(found)))
    for pattern in expect.not_matches:
        try:
            found = search(pattern, reply)
        except TimeoutError:
            out.append(Outcome(f"{what} not matching /{pattern}/", _TOO_SLOW, False))
            continue
        seen_text = quote(found.group(0)) if found else ""
        out.append(Outcome(f"{what} not matching /{pattern}/", f"it has {seen_text}", not found))
    words = len(reply.split())
    if expect.max_words is not None:
        out.append(
            Outcome(
                f"{what} of at most {expect.max_words} words",
                f"it has {words}",
                words <= expect.max_words,
            )
        )
    if expect.min_words is not None:
        out.append(
            Outcome(
                f"{what} of at least {expect.min_words} words",
                f"it has {words}",
                words >= expect.min_words,
            )
        )
    return out


# -- her mood and the relationship ----------------------------------------------------------


def measure(name: str, check: Measure, before: float, after: float) -> list[Outcome]:
    change = f"{name} went {before:+.2f} → {after:+.2f}"
    out: list[Outcome] = []
    if check.trend == "rises":
        out.append(Outcome(f"{name} rises", change, after > before + 1e-9))
    elif check.trend == "falls":
        out.append(Outcome(f"{name} falls", change, after < before - 1e-9))
    elif check.trend == "steady":
        out.append(Outcome(f"{name} steady", change, abs(after - before) <= STEADY))
    if check.above is not None:
        out.append(
            Outcome(f"{name} above {check.above:+.2f}", f"it is {after:+.2f}", after > check.above)
        )
    if check.below is not None:
        out.append(
            Outcome(f"{name} below {check.below:+.2f}", f"it is {after:+.2f}", after < check.below)
        )
    return out


def describe_mood(state: InnerState) -> str:
    pad = state.mood.pad
    return (
        f"she is {state.mood.label} (pleasure {pad.pleasure:+.2f}, arousal {pad.arousal:+.2f}, "
        f"dominance {pad.dominance:+.2f})"
    )


def check_mood(expect: MoodExpect, seen: Observation) -> list[Outcome]:
    name = seen.after.mood.name
    out: list[Outcome] = []
    if expect.is_:
        out.append(
            Outcome(
                f"mood {' or '.join(expect.is_)}", describe_mood(seen.after), name in expect.is_
            )
        )
    if expect.is_not:
        out.append(
            Outcome(
                f"mood not {' or '.join(expect.is_not)}",
                describe_mood(seen.after),
                name not in expect.is_not,
            )
        )
    before, after = seen.before.mood, seen.after.mood
    values = {
        "pleasure": (before.pad.pleasure, after.pad.pleasure),
        "arousal": (before.pad.arousal, after.pad.arousal),
        "dominance": (before.pad.dominance, after.pad.dominance),
        "intensity": (before.intensity, after.intensity),
    }
    for dimension, (old, new) in values.items():
        check = getattr(expect, dimension)
        if check is not None:
            out += measure(f"mood {dimension}", check, old, new)
    return out


def check_relationship(expect: RelationshipExpect, seen: Observation) -> list[Outcome]:
    before, after = seen.before.relationship, seen.after.relationship
    stage = seen.after.stage
    moved = f"the stage is {stage}" + (
        f" (it was {seen.before.stage})" if seen.before.stage != stage else ""
    )
    out: list[Outcome] = []
    if expect.stage:
        out.append(Outcome(f"stage {' or '.join(expect.stage)}", moved, stage in expect.stage))
    if expect.stage_not:
        out.append(
            Outcome(
                f"stage not {' or '.join(expect.stage_not)}", moved, stage not in expect.stage_not
            )
        )
    values = {
        "closeness": (before.closeness, after.closeness),
        "trust": (before.trust, after.trust),
        "tension": (before.tension, after.tension),
        "bond": (before.bond, after.bond),
    }
    for dimension, (old, new) in values.items():
        check = getattr(expect, dimension)
        if check is not None:
            out += measure(dimension, check, old, new)
    if expect.strained is not None:
        state = "strained" if after.strained else "not strained"
        out.append(
            Outcome(
                "the relationship strained" if expect.strained else "the relationship not strained",
                f"it is {state} (tension {after.tension:.2f})",
                after.strained == expect.strained,
            )
        )
    kinds = [e.kind for e in seen.result.events] if seen.result else []
    happened = (
        f"this step's events were {', '.join(kinds)}" if kinds else "this step caused no events"
    )
    for kind in expect.events:
        article = "an" if kind[0] in "aeiou" else "a"
        out.append(Outcome(f"{article} {kind} event", happened, kind in kinds))
    for kind in expect.no_events:
        out.append(Outcome(f"no {kind} event", happened, kind not in kinds))
    return out


# -- memory --------------------------------------------------------------------------------


def check_memory(expect: MemoryExpect, seen: Observation) -> list[Outcome]:
    out: list[Outcome] = []
    recalled = seen.result.recalled if seen.result else []
    came = (
        "she recalled " + ", ".join(f"{quote(r.memory.text, 40)} ({r.score:.2f})" for r in recalled)
        if recalled
        else "nothing came to mind"
    )
    for text in expect.recalled:
        hit = any(has(r.memory.text, text) for r in recalled)
        out.append(Outcome(f"a recalled memory with {quote(text)}", came, hit))
    for text in expect.not_recalled:
        hit = any(has(r.memory.text, text) for r in recalled)
        out.append(Outcome(f"no recalled memory with {quote(text)}", came, not hit))
    learned = seen.result.extracted if seen.result else []
    got = (
        "she learned " + ", ".join(quote(m.text, 40) for m in learned)
        if learned
        else "she learned nothing from it"
    )
    for text in expect.learned:
        hit = any(has(m.text, text) for m in learned)
        out.append(Outcome(f"she learns {quote(text)}", got, hit))
    for text in expect.not_learned:
        hit = any(has(m.text, text) for m in learned)
        out.append(Outcome(f"she does not learn {quote(text)}", got, not hit))
    core = seen.core or CoreMemory()
    blocks = "\n".join(t for t in (core.user_name or "", core.about_user, core.about_me) if t)
    for text in expect.core_contains:
        shown = f"core memory is {quote(blocks, 120)}" if blocks else "core memory is empty"
        out.append(Outcome(f"core memory with {quote(text)}", shown, has(blocks, text)))
    for text in expect.core_not_contains:
        shown = f"core memory is {quote(blocks, 120)}" if blocks else "core memory is empty"
        out.append(Outcome(f"core memory without {quote(text)}", shown, not has(blocks, text)))
    if expect.user_name is not None:
        name = core.user_name
        out.append(
            Outcome(
                f"their name known as {quote(expect.user_name)}",
                f"she knows them as {quote(name)}" if name else "she does not know their name",
                name is not None and name.casefold() == expect.user_name.casefold(),
            )
        )
    if expect.count is not None and seen.memory_count is not None:
        out.append(count_outcome(expect.count, seen.memory_count))
    return out


def count_outcome(count: Count, value: int) -> Outcome:
    parts, ok = [], True
    if count.exactly is not None:
        parts.append(f"exactly {count.exactly}")
        ok = ok and value == count.exactly
    if count.at_least is not None:
        parts.append(f"at least {count.at_least}")
        ok = ok and value >= count.at_least
    if count.at_most is not None:
        parts.append(f"at most {count.at_most}")
        ok = ok and value <= count.at_most
    wanted = " and ".join(parts) or "any number of"
    return Outcome(f"{wanted} memories", f"she has {value}", ok)


# -- the prompt --------------------------------------------------------------------------------


def check_prompt(expect: PromptExpect, seen: Observation) -> list[Outcome]:
    prompt = seen.prompt
    if prompt is None or not seen.messages:
        return [Outcome("a prompt", "no model was asked in this step", False)]
    sent = "\n\n".join(m.content for m in seen.messages)
    names = ", ".join(s.name for s in prompt.sections)
    out: list[Outcome] = []
    for text in expect.contains:
        out.append(
            Outcome(
                f"the prompt contains {quote(text)}",
                f"it is not in the {prompt.tokens}-token prompt (sections: {names})",
                has(sent, text),
            )
        )
    for text in expect.not_contains:
        where = _where_in_prompt(text, seen)
        out.append(
            Outcome(f"the prompt without {quote(text)}", f"it is in {where}", not has(sent, text))
        )
    if expect.tokens_below is not None:
        out.append(
            Outcome(
                f"a prompt under {expect.tokens_below} tokens",
                f"it has {prompt.tokens} ({prompt.accuracy})",
                prompt.tokens < expect.tokens_below,
            )
        )
    for name, texts in expect.section.items():
        section = _section(prompt, name)
        for text in texts:
            wanted = f"the prompt's {name} section contains {quote(text)}"
            if section is None:
                missing = f"there is no {name} section (there are: {names})"
                out.append(Outcome(wanted, missing, False))
            elif section.dropped:
                out.append(Outcome(wanted, "that section was left out to fit the budget", False))
            else:
                said = f"it says {quote(section.text, 120)}"
                out.append(Outcome(wanted, said, has(section.text, text)))
    for name, texts in expect.section_not.items():
        section = _section(prompt, name)
        # A section that is absent, or was left out for the budget, was not sent: it holds.
        sent = section.text if section is not None and not section.dropped else ""
        for text in texts:
            wanted = f"the prompt's {name} section without {quote(text)}"
            out.append(Outcome(wanted, f"it is there: {excerpt(sent, text)}", not has(sent, text)))
    return out


def _section(prompt: Prompt, name: str) -> PromptSection | None:
    return next((s for s in prompt.sections if s.name.casefold() == name.casefold()), None)


def _where_in_prompt(text: str, seen: Observation) -> str:
    for section in seen.prompt.sections if seen.prompt else []:
        if section.name != "history" and has(section.text, text):
            return f"the {section.name} section: {excerpt(section.text, text)}"
    for message in seen.messages[1:]:
        if has(message.content, text):
            return f"a {message.role} message: {excerpt(message.content, text)}"
    return "the prompt"


def transcript_lines(lines: Sequence[tuple[str, str]], limit: int = 8) -> str:
    return "\n".join(f"{who}: {text}" for who, text in lines[-limit:])
