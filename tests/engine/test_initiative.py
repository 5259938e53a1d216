"""She speaks first when the chat goes quiet: ``decide`` as a pure function of the clock, the
talk, her memories and the settings, and the engine storing what she says with its reason."""

from __future__ import annotations

import time as systime
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import load_settings
from samantha.domain.conversation import Message, Role
from samantha.domain.memory import Memory, MemoryKind
from samantha.engine import Companion
from samantha.engine.initiative import NudgeSettings, decide
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ON = NudgeSettings(enabled=True, idle=timedelta(hours=1))


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Quiet hours and 'tomorrow' are local time: these tests live in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    systime.tzset()
    yield
    monkeypatch.undo()
    systime.tzset()


def said(*lines: tuple[Role, str, datetime]) -> list[Message]:
    return [
        Message(
            id=i + 1,
            conversation_id=1,
            role=role,
            speaker="Theo" if role is Role.USER else "Samantha",
            text=text,
            created_at=at,
        )
        for i, (role, text, at) in enumerate(lines)
    ]


def plan(text: str, due: datetime, memory_id: int = 7) -> Memory:
    return Memory(
        id=memory_id,
        persona="samantha",
        kind=MemoryKind.PLAN,
        text=text,
        importance=6,
        created_at=NOON - timedelta(days=1),
        accessed_at=NOON - timedelta(days=1),
        due_at=due,
    )


TALK = said(
    (Role.USER, "I'm going to read for a bit.", NOON - timedelta(hours=2)),
    (Role.ASSISTANT, "Enjoy it.", NOON - timedelta(hours=2)),
)
INTERVIEW = plan("My job interview is tomorrow at 10.", NOON + timedelta(hours=22))


def test_a_plan_due_tomorrow_after_two_quiet_hours_is_a_nudge() -> None:
    decision = decide(NOON, TALK, [INTERVIEW], ON)
    assert decision.speak
    assert decision.ground is not None
    assert decision.ground.reason == "plan_tomorrow"
    assert decision.ground.memory_id == 7


def test_a_plan_later_today_comes_first() -> None:
    today = plan("Dinner with Mira tonight.", NOON + timedelta(hours=7), memory_id=8)
    decision = decide(NOON, TALK, [INTERVIEW, today], ON)
    assert decision.ground is not None
    assert decision.ground.reason == "plan_today"
    assert decision.ground.memory_id == 8


def test_a_plan_earlier_today_or_next_week_is_no_reason() -> None:
    gone = plan("Dentist this morning.", NOON - timedelta(hours=3), memory_id=9)
    far = plan("Trip to Porto next week.", NOON + timedelta(days=6), memory_id=10)
    assert not decide(NOON, TALK, [gone, far], ON).speak


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        (NudgeSettings(enabled=False), "off"),
        (NudgeSettings(enabled=True, idle=timedelta(hours=3)), "not quiet for long enough"),
        (NudgeSettings(enabled=True, per_day=0), "times today"),
        (
            NudgeSettings(enabled=True, quiet_from=time(11, 0), quiet_until=time(13, 0)),
            "quiet hours",
        ),
    ],
)
def test_settings_bound_her(settings: NudgeSettings, why: str) -> None:
    decision = decide(NOON, TALK, [INTERVIEW], settings)
    assert not decision.speak
    assert why in decision.why


@pytest.mark.parametrize(
    ("hour", "quiet"), [(23, True), (2, True), (7, True), (8, False), (21, False)]
)
def test_default_quiet_hours_run_over_midnight(hour: int, quiet: bool) -> None:
    now = NOON.replace(hour=hour)
    talk = said((Role.USER, "Reading now.", now - timedelta(hours=2)))
    upcoming = plan("My job interview is tomorrow.", now + timedelta(hours=20))
    assert decide(now, talk, [upcoming], ON).speak is not quiet


def test_never_twice_in_a_row_without_an_answer() -> None:
    talk = [
        *TALK,
        *said((Role.ASSISTANT, "Your interview is tomorrow: practise?", NOON - timedelta(hours=1)))[
            :1
        ],
    ]
    talk[-1] = talk[-1].model_copy(update={"id": 3})
    decision = decide(NOON + timedelta(hours=2), talk, [INTERVIEW], ON, nudged={3})
    assert not decision.speak
    assert "waiting for an answer" in decision.why


def test_nothing_after_a_goodbye() -> None:
    talk = said(
        (Role.USER, "Okay, good night!", NOON - timedelta(hours=2)),
        (Role.ASSISTANT, "Sleep well.", NOON - timedelta(hours=2)),
    )
    decision = decide(NOON, talk, [INTERVIEW], ON)
    assert not decision.speak
    assert "goodbye" in decision.why


def test_something_heavy_is_followed_up_once() -> None:
    talk = said(
        (Role.USER, "My dad is in hospital and I'm terrified.", NOON - timedelta(hours=3)),
        (Role.ASSISTANT, "I'm here.", NOON - timedelta(hours=3)),
    )
    decision = decide(NOON, talk, [], ON)
    assert decision.ground is not None
    assert decision.ground.reason == "heavy"
    assert "hospital" in decision.ground.text
    asked = [*talk, *said((Role.ASSISTANT, "How are you holding up?", NOON))]
    asked[-1] = asked[-1].model_copy(update={"id": 3})
    answered = [*asked, *said((Role.USER, "A bit better.", NOON + timedelta(minutes=5)))]
    answered[-1] = answered[-1].model_copy(update={"id": 4})
    later = NOON + timedelta(hours=3)
    assert not decide(later, answered, [], ON, nudged={3}).speak


def test_nothing_grounded_means_silence() -> None:
    decision = decide(NOON, TALK, [], ON)
    assert not decision.speak
    assert "nothing she knows" in decision.why


# -- through the engine ------------------------------------------------------------------


def offline(make_companion: MakeCompanion, **settings: object) -> Companion:
    spec = load_settings().backend_spec()
    return make_companion(VoiceRenderer(spec), nudge=True, **settings)


async def test_she_nudges_about_tomorrows_interview_and_waits_for_an_answer(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await collect(companion, "My job interview is tomorrow.")
    assert await companion.nudge() is None  # not quiet yet
    clock.advance(timedelta(hours=2))
    spoke = await companion.nudge()
    assert spoke is not None
    assert spoke.decision.ground is not None
    assert spoke.decision.ground.reason == "plan_tomorrow"
    assert "interview" in spoke.message.text
    assert "tomorrow" in spoke.message.text
    history = await companion.history()
    assert history[-1].id == spoke.message.id
    assert history[-1].role is Role.ASSISTANT
    reasons = await companion.store.run(
        lambda s: s.keepsakes.nudges_since("samantha", clock.now() - timedelta(days=1))
    )
    assert [n.reason for n in reasons] == ["plan_tomorrow"]
    clock.advance(timedelta(hours=2))
    assert await companion.nudge() is None  # never twice without an answer
    await collect(companion, "Yes, let's do that later.")
    clock.advance(timedelta(hours=2))
    # Answered, but the interview was already brought up: nothing else calls for it.
    assert await companion.nudge() is None


async def test_off_by_default(make_companion: MakeCompanion, clock: FixedClock) -> None:
    companion = make_companion(VoiceRenderer(load_settings().backend_spec()))
    await collect(companion, "My job interview is tomorrow.")
    clock.advance(timedelta(hours=2))
    decision = await companion.consider_nudge()
    assert not decision.speak
    assert decision.why == "speaking first is off"
    assert await companion.nudge() is None


async def test_a_model_is_asked_with_the_plan_in_the_prompt(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["Good luck!", "Want to practise for tomorrow?"])
    companion = make_companion(backend, nudge=True)
    await collect(companion, "My job interview is tomorrow.")
    clock.advance(timedelta(hours=2))
    spoke = await companion.nudge()
    assert spoke is not None
    assert spoke.message.text == "Want to practise for tomorrow?"
    ask = backend.requests[-1].messages[-1].content
    assert "interview" in ask
    assert "gone quiet" in ask


async def test_a_plan_for_today_without_a_time_is_a_reason(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    midnight = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    await companion.remember("My sister's recital is today.", kind=MemoryKind.PLAN, due_at=midnight)
    await collect(companion, "I'm going to read for a bit.")
    clock.advance(timedelta(hours=2))
    spoke = await companion.nudge()
    assert spoke is not None
    assert spoke.decision.ground is not None
    assert spoke.decision.ground.reason == "plan_today"
    assert "recital" in spoke.message.text


def test_the_settings_live_in_an_initiative_section(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samantha.config import Paths

    config = Paths.from_env().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[initiative]\nenabled = true\nafter_minutes = 30\nper_day = 1\nquiet_hours = "23:00-07:00"\n',
        encoding="utf-8",
    )
    nudge = NudgeSettings.of(load_settings())
    assert nudge == NudgeSettings(
        enabled=True,
        idle=timedelta(minutes=30),
        per_day=1,
        quiet_from=time(23, 0),
        quiet_until=time(7, 0),
    )
    monkeypatch.setenv("SAMANTHA_INITIATIVE__PER_DAY", "5")
    assert NudgeSettings.of(load_settings()).per_day == 5


async def test_something_heavy_she_was_asked_to_forget_is_no_reason(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await collect(companion, "My grandmother died this morning.")
    fact = next(m for m in await companion.memories() if "grandmother" in m.text.lower())
    await companion.forget(fact.id)
    clock.advance(timedelta(hours=2))
    decision = await companion.consider_nudge()
    assert not decision.speak
    assert await companion.nudge() is None
