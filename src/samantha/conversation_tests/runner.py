"""Running a script: a fresh data dir, a fixed clock, and the same ``Companion`` the app uses.

Each step is one call on the engine's public API (``turn``, ``greet``, ``new_conversation``,
``remember``) or a move of the clock; her state is read before and after it through
``inner_state()``, so "rises" and "falls" mean what the step did.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from samantha.backends.base import Source, create_backend
from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import Paths, load_settings
from samantha.conversation_tests.checks import Observation, evaluate
from samantha.conversation_tests.errors import ScriptError, flat
from samantha.conversation_tests.judge import Judge
from samantha.conversation_tests.loader import ScriptFile, load_script, step_label
from samantha.conversation_tests.model import ScriptSettings, Step
from samantha.conversation_tests.results import Outcome, ScriptResult, StepResult
from samantha.conversation_tests.start import prepare
from samantha.engine import Companion, TurnResult
from samantha.errors import PersonaError, SamanthaError
from samantha.persona import find_persona
from samantha.persona.loader import SUFFIXES

#: Where the clock starts when a script does not say.
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
#: Settings a configured backend brings with it (the rest come from the script).
BACKEND_FIELDS = (
    "backend",
    "model",
    "base_url",
    "api_key",
    "context_window",
    "request_timeout",
    "max_retries",
)


@dataclass(frozen=True)
class RunOptions:
    """How to run: ``backend`` replaces every script's own (``model`` and ``base_url`` with it)."""

    backend: str | None = None
    model: str | None = None
    base_url: str | None = None
    judge: Judge | None = None


@dataclass
class _Run:
    loaded: ScriptFile
    companion: Companion
    clock: FixedClock
    judge: Judge | None
    transcript: list[tuple[str, str]] = field(default_factory=list)


async def run_file(path: Path, options: RunOptions | None = None) -> ScriptResult:
    """Load and run one script; a malformed one gives a result carrying its sentence."""
    started = time.perf_counter()
    try:
        loaded = load_script(path)
    except ScriptError as exc:
        return ScriptResult(
            path=path, error=str(exc), malformed=True, seconds=time.perf_counter() - started
        )
    return await run_script(loaded, options)


async def run_script(loaded: ScriptFile, options: RunOptions | None = None) -> ScriptResult:
    options = options or RunOptions()
    script = loaded.script
    started = time.perf_counter()
    result = ScriptResult(
        path=loaded.path,
        title=script.title,
        total_steps=len(script.steps),
        persona=script.persona,
        backend=options.backend or script.backend.label,
    )
    with tempfile.TemporaryDirectory(prefix="samantha-convo-", ignore_cleanup_errors=True) as tmp:
        clock = FixedClock(script.start or DEFAULT_START)
        try:
            companion = _open(loaded, options, Path(tmp), clock)
        except SamanthaError as exc:
            result.error = _located(loaded, exc, "backend" if "backend" in str(exc) else "persona")
            # A persona that is not a persona file is the script's own mistake, like a typo.
            result.malformed = isinstance(exc, ScriptError | PersonaError)
            result.seconds = time.perf_counter() - started
            return result
        run = _Run(loaded, companion, clock, options.judge)
        try:
            await prepare(loaded, companion, clock.now())
            for index, step in enumerate(script.steps):
                outcome = await _run_step(run, index, step)
                result.steps.append(outcome)
                if outcome.error is not None:
                    break  # the engine refused: later steps would test a different story
        except ScriptError as exc:
            result.error, result.malformed = str(exc), True
        except SamanthaError as exc:
            result.error = f"{loaded.path}:1: the script could not start: {flat(str(exc), 2000)}"
        finally:
            await companion.aclose()
    result.seconds = time.perf_counter() - started
    return result


def _located(loaded: ScriptFile, exc: SamanthaError, key: str) -> str:
    text = flat(str(exc), 2000)
    if text.startswith(str(loaded.path)):
        return text
    return f"{loaded.where(key)}: {text}"


# -- setting up -----------------------------------------------------------------------------


def _persona_path(loaded: ScriptFile) -> str:
    """A path is read relative to the script; a name is looked up as the app looks it up."""
    name = loaded.script.persona
    candidate = Path(name).expanduser()
    if candidate.suffix in SUFFIXES or "/" in name:
        if not candidate.is_absolute():
            candidate = loaded.path.parent / candidate
        return str(find_persona(str(candidate), None))
    return str(find_persona(name, Paths.from_env().personas_dir))


def _open(loaded: ScriptFile, options: RunOptions, tmp: Path, clock: FixedClock) -> Companion:
    script = loaded.script
    choice = script.backend
    settings = ScriptSettings(
        **{**script.settings, "persona": _persona_path(loaded), "offline_pace": 0.0}
    )
    if choice.context_window:
        settings = settings.model_copy(update={"context_window": choice.context_window})
    name = options.backend or choice.label
    backend: Source
    if name == "scripted":
        replies = choice.scripted or []
        window = settings.context_window or 8192
        backend = ScriptedBackend(replies=replies, context_window=window)
        settings = settings.model_copy(update={"backend": "scripted"})
    elif name == "offline":
        settings = settings.model_copy(update={"backend": "offline"})
        backend = create_backend(settings.backend_spec())
    else:
        # A real model: its address and key come from this machine's config, as in the app.
        user = load_settings(backend=name, model=options.model, base_url=options.base_url)
        update = {key: getattr(user, key) for key in BACKEND_FIELDS}
        if choice.context_window:
            update["context_window"] = choice.context_window
        settings = settings.model_copy(update=update)
        backend = create_backend(settings.backend_spec())
    paths = Paths(data_dir=tmp, config_dir=tmp)
    return Companion.open(settings, backend=backend, clock=clock, paths=paths)


# -- one step --------------------------------------------------------------------------------


async def _run_step(run: _Run, index: int, step: Step) -> StepResult:
    started = time.perf_counter()
    companion, name = run.companion, run.companion.persona.name
    result = StepResult(
        index=index,
        line=run.loaded.step_line(index),
        label=step_label(step),
        xfail=step.xfail.reason if step.xfail else None,
    )
    before = await companion.inner_state()
    seen = Observation(action=step.action, before=before, after=before)
    try:
        if step.user is not None:
            run.transcript.append(("User", step.user))
            turn = await _turn(companion, step.user)
            seen.spoke, seen.result, seen.reply = True, turn, turn.reply
            seen.prompt, seen.messages = turn.prompt, list(turn.prompt.messages)
        elif step.wait is not None:
            run.clock.advance(step.wait)
            run.transcript.append(("(time passes)", result.label.removeprefix("wait ")))
        elif step.new_conversation:
            await companion.new_conversation()
            run.transcript.append(("(a new conversation)", ""))
        elif step.greet:
            await _greet(companion, seen)
        elif step.idle is not None:
            await _idle(run, step.idle, seen)
        elif step.write is not None:
            await _write(companion, step.write, seen)
        elif step.diary:
            await _diary(companion, seen)
        elif step.remember is not None:
            memory = step.remember
            await companion.remember(memory.text, kind=memory.kind, importance=memory.importance)
        seen.after = await companion.inner_state()
        blocks = [b for b in (step.expect, step.xfail.expect if step.xfail else None) if b]
        if any(b.memory is not None for b in blocks):
            seen.core = await companion.core_memory()
            seen.memory_count = await companion.memory_count()

        async def judge(criterion: str, observed: Observation) -> Outcome:
            assert run.judge is not None
            return await run.judge.score(criterion, observed, name, run.transcript)

        grader = judge if run.judge is not None else None
        if step.expect is not None:
            result.outcomes = await evaluate(step.expect, seen, grader)
        if step.xfail is not None and step.xfail.expect is not None:
            result.known = await evaluate(step.xfail.expect, seen, grader)
    except ScriptError:
        raise
    except SamanthaError as exc:
        result.error = str(exc)
    if seen.reply is not None:
        run.transcript.append((name, seen.reply))
    result.reply = seen.reply
    result.seconds = time.perf_counter() - started
    return result


async def _turn(companion: Companion, text: str) -> TurnResult:
    final: TurnResult | None = None
    events = companion.turn(text)
    async with aclosing(events):
        async for event in events:
            if isinstance(event, TurnResult):
                final = event
    if final is None:  # pragma: no cover - the engine always ends a turn with its result
        raise SamanthaError("The engine ended the turn without a result.")
    return final


async def _greet(companion: Companion, seen: Observation) -> None:
    greeting = await companion.greet()
    seen.spoke = True
    if greeting is None:
        return
    seen.reply = greeting.text
    seen.prompt, seen.messages = greeting.prompt, list(greeting.prompt.messages)


async def _idle(run: _Run, span: timedelta, seen: Observation) -> None:
    """The chat stays open and quiet for ``span``; then she may speak first."""
    run.clock.advance(span)
    decision = await run.companion.consider_nudge()
    spoke = await run.companion.nudge() if decision.speak else None
    seen.spoke, seen.nudged, seen.nudge_why = True, spoke is not None, decision.why
    if spoke is not None:
        seen.reply = spoke.message.text
    run.transcript.append(("(quiet)", _label(span)))


def _label(span: timedelta) -> str:
    from samantha.timefmt import humanize

    return humanize(span)


async def _write(companion: Companion, request: str, seen: Observation) -> None:
    from samantha.engine.keepsakes import KeepsakeDone

    seen.spoke = True
    events = companion.write(request)
    async with aclosing(events):
        async for event in events:
            if isinstance(event, KeepsakeDone):
                seen.reply = event.keepsake.text


async def _diary(companion: Companion, seen: Observation) -> None:
    """She writes the entries that are due; her reply is the whole diary, newest day first."""
    seen.spoke = True
    await companion.write_diary()
    entries = await companion.diary_entries()
    seen.reply = "\n\n".join(e.text for e in entries) if entries else None


def run_paths_sync(paths: list[Path], options: RunOptions | None = None) -> list[ScriptResult]:
    """For callers without an event loop."""
    import asyncio

    async def run_all() -> list[ScriptResult]:
        return [await run_file(path, options) for path in paths]

    return asyncio.run(run_all())


__all__ = ["RunOptions", "load_script", "run_file", "run_paths_sync", "run_script"]
