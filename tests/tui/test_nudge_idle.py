"""She speaks first while the chat sits idle: the chat's own timer asks, a controlled clock says
how long it has been quiet, and her line appears in the transcript with the reason in her state
panel. During quiet hours the same talk and plan bring nothing.

The timer runs for real, every few milliseconds instead of every minute (NUDGE_EVERY patched),
and each step waits for ticks that have happened (counted at the companion), never for time."""

from __future__ import annotations

import threading
import time as systime
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from samantha.clock import FixedClock
from samantha.config import load_settings
from samantha.domain.conversation import Role
from samantha.engine.initiative import Spoke
from samantha.memory import MemoryKind
from samantha.tui.app import SamanthaApp
from samantha.tui.screens import chat as chat_module
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.widgets.transcript import Transcript
from samantha.voice.offline import VoiceRenderer
from tests.tui.conftest import BuildApp
from tests.tui.helpers import send, settle, shown, until

SIZE = (120, 36)
PLAN = "My job interview is tomorrow at 10."
#: The panel's words for a plan due tomorrow (state_panel.SPOKE_FIRST).
WHY = "She spoke first: a plan of yours is tomorrow."


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Quiet hours and 'tomorrow' are local time: these tests live in UTC, as the clock does."""
    monkeypatch.setenv("TZ", "UTC")
    systime.tzset()
    yield
    monkeypatch.undo()
    systime.tzset()


@pytest.fixture(autouse=True)
def quick_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat asks every few milliseconds instead of every minute."""
    monkeypatch.setattr(chat_module, "NUDGE_EVERY", 0.02)


@dataclass
class Ticks:
    """Every time the chat's timer asked her whether to speak first, and what came of it."""

    answers: list[Spoke | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.answers)


async def idle_chat(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch, *, plan: bool = True
) -> tuple[SamanthaApp, FixedClock, Ticks]:
    """Initiative on, a plan due tomorrow in her memory, and the companion's asks counted."""
    app = build_app(VoiceRenderer(load_settings().backend_spec()), nudge=True)
    clock = app.companion.clock
    assert isinstance(clock, FixedClock)
    if plan:
        await app.companion.remember(
            PLAN,
            kind=MemoryKind.PLAN,
            importance=7,
            due_at=clock.now() + timedelta(hours=24, minutes=30),
        )
    ticks = Ticks()
    asked = app.companion.nudge

    async def counted() -> Spoke | None:
        spoke = await asked()
        ticks.answers.append(spoke)
        return spoke

    monkeypatch.setattr(app.companion, "nudge", counted)
    return app, clock, ticks


async def more_ticks(pilot: Pilot[Any], ticks: Ticks, count: int = 2) -> None:
    """Let the chat's timer ask ``count`` more times (and the screen catch up)."""
    target = len(ticks) + count
    await until(pilot, lambda: len(ticks) >= target)
    await settle(pilot)


def on_her_mind(chat: ChatScreen) -> str:
    """The panel's 'On her mind', its lines joined (the panel wraps them to its width)."""
    return " ".join(shown(chat.query_one("#recalled")).split())


async def nudges_stored(app: SamanthaApp) -> list[str]:
    history = await app.companion.history()
    return [m.text for m in history if m.role is Role.ASSISTANT and "interview" in m.text]


async def test_after_two_quiet_hours_she_speaks_of_tomorrows_plan(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock, ticks = await idle_chat(build_app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        await send(pilot, "I'm going to read for a while.")
        await pilot.press("f2")  # her state panel
        await settle(pilot)
        transcript = chat.query_one(Transcript)
        before = len(transcript.messages)

        # Ticks while it has been quiet for less than the hour: nothing.
        await more_ticks(pilot, ticks)
        assert not any(ticks.answers)
        assert len(transcript.messages) == before

        clock.advance(timedelta(hours=2))
        await until(pilot, lambda: any(ticks.answers))
        await settle(pilot)
        (spoke,) = [s for s in ticks.answers if s is not None]
        assert spoke.decision.ground is not None
        assert spoke.decision.ground.reason == "plan_tomorrow"
        # Her line, as stored, is the newest thing in the transcript, on screen.
        assert len(transcript.messages) == before + 1
        newest = transcript.messages[-1]
        assert newest.message_id == spoke.message.id
        assert "interview" in spoke.message.text
        assert " ".join(shown(newest).split()) == " ".join(spoke.message.text.split())
        # The panel says why she spoke.
        mind = on_her_mind(chat)
        assert WHY in mind
        assert PLAN in mind

        # Unanswered, she does not speak again, however many more quiet ticks.
        await more_ticks(pilot, ticks, 3)
        assert len(transcript.messages) == before + 1
        assert await nudges_stored(app) == [spoke.message.text]

        # An answer ends her turn: the panel shows the reply's own recall again.
        await send(pilot, "Thanks, I'm nervous but ready.")
        assert WHY not in on_her_mind(chat)


async def test_nothing_during_quiet_hours(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock, ticks = await idle_chat(build_app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        await send(pilot, "I'm going to read for a while.")
        await pilot.press("f2")
        await settle(pilot)
        transcript = chat.query_one(Transcript)
        before = len(transcript.messages)

        # 23:30: fourteen quiet hours, the plan still tomorrow, but it is night.
        clock.advance(timedelta(hours=14))
        assert (await app.companion.consider_nudge()).why == "quiet hours"
        await more_ticks(pilot, ticks, 3)
        assert not any(ticks.answers)
        assert len(transcript.messages) == before
        assert await nudges_stored(app) == []
        assert WHY not in on_her_mind(chat)

        # The night over (08:30), the plan is today's and she speaks: only the hours held her.
        clock.advance(timedelta(hours=9))
        await until(pilot, lambda: any(ticks.answers))
        await settle(pilot)
        assert len(transcript.messages) == before + 1
        assert "She spoke first: a plan of yours is today." in on_her_mind(chat)


async def test_her_deciding_and_her_diary_run_off_the_chats_loop(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the talk's feeling (VADER, pure Python, every message of a day) is the CPU part
    of a nudge and a diary: it must not run on the thread that draws the chat."""
    from samantha.engine import diary, initiative
    from tests.conftest import collect

    app, clock, ticks = await idle_chat(build_app, monkeypatch, plan=False)
    await collect(app.companion, "My grandmother died this morning.")
    clock.advance(timedelta(days=1))  # a day to write up, and something heavy to ask after
    where: dict[str, set[int]] = {"initiative": set(), "diary": set()}
    for module in (initiative, diary):
        real = module.appraise

        def on_thread(
            text: str, name: str = module.__name__.rsplit(".")[-1], real: Any = real
        ) -> Any:
            where[name].add(threading.get_ident())
            return real(text)

        monkeypatch.setattr(module, "appraise", on_thread)
    loop_thread = threading.get_ident()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any(ticks.answers))
        await settle(pilot)
    assert len(await app.companion.diary_entries()) == 1
    (spoke,) = [s for s in ticks.answers if s is not None]
    assert spoke.decision.ground is not None
    assert spoke.decision.ground.reason == "heavy"
    assert where["initiative"]
    assert where["diary"]
    assert loop_thread not in where["initiative"] | where["diary"]
