"""First run: a few questions (skippable), the answers kept as what she knows about you."""

from __future__ import annotations

import tomllib
from datetime import timedelta

from textual.widgets import Input, Select

from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import Paths
from samantha.config.sections import flatten
from samantha.domain.conversation import Role
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.onboarding import OnboardingScreen
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.transcript import Greeting, ReplyMessage, Transcript
from tests.conftest import collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown, until

SIZE = (100, 30)


def config() -> dict[str, object]:
    """The settings the config file holds, whatever section each is written in."""
    return flatten(tomllib.loads(Paths.from_env().config_file.read_text(encoding="utf-8")))[0]


async def test_the_first_run_asks_and_keeps_the_answers_then_she_introduces_herself(
    build_app: BuildApp,
) -> None:
    backend = ScriptedBackend(replies=["Hi Theo. I'm Samantha, and I'm new here too."])
    app = build_app(backend, onboarding=None, greet=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OnboardingScreen))
        assert app.screen.query_one("#name", Input).has_focus
        await pilot.press(*"Theo", "enter")
        app.screen.query_one("#about", Input).value = "I write [b]letters[/b] for a living."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)

        core = await app.companion.core_memory()
        assert core.user_name == "Theo"
        assert "I write [b]letters[/b] for a living." in core.about_user
        assert config() == {"persona": "samantha", "backend": "offline"}
        # She speaks first, through the engine: the greeting is stored as her message.
        reply = app.screen.query(ReplyMessage).last()
        assert shown(reply) == "Hi Theo. I'm Samantha, and I'm new here too."
        history = await app.companion.history()
        assert [(m.role, m.text) for m in history] == [
            (Role.ASSISTANT, "Hi Theo. I'm Samantha, and I'm new here too.")
        ]
        # Asked as an opening line: the engine's greeting instruction, not a reply.
        opening = backend.requests[-1].messages[-1]
        assert opening.role == "user"
        assert opening.content.startswith("(You are meeting Theo for the first time.")


async def test_escape_skips_the_questions(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=[""]), onboarding=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OnboardingScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert (await app.companion.core_memory()).user_name is None
        assert not Paths.from_env().config_file.exists()
        # Nothing to say from the model (an empty reply): the persona's own hello, not stored.
        assert shown(app.screen.query_one(Greeting)).startswith("Hi! I'm Samantha.")


async def test_choosing_another_companion_opens_her(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["Hello. I'm Alan."])
    app = build_app(backend, onboarding=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OnboardingScreen))
        app.screen.query_one("#name", Input).value = "Theo"
        app.screen.query_one("#persona", Select).value = "alan"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.companion.persona.name == "Alan")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.title == "Alan"
        assert (await app.companion.core_memory()).user_name == "Theo"
        assert config()["persona"] == "alan"
        assert shown(app.screen.query(ReplyMessage).last()) == "Hello. I'm Alan."


async def test_later_runs_go_straight_to_the_chat(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Hey."]), onboarding=None)
    assert await app.wants_onboarding(app.companion)
    await collect(app.companion, "hi")
    assert not await app.wants_onboarding(app.companion)


async def test_she_greets_a_returning_user_knowing_how_long_they_were_away(
    build_app: BuildApp, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["Hi.", "Three whole days! How did the interview go?"])
    app = build_app(backend, greet=True)
    await collect(app.companion, "I have an interview on Monday")
    clock.advance(timedelta(days=3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        greeting = backend.requests[-1]
        assert greeting.messages[-1].content.startswith("(the user has just opened the app.")
        assert "3 days ago" in greeting.system
        transcript = app.screen.query_one(Transcript)
        assert shown(transcript.messages[-1]) == "Three whole days! How did the interview go?"
        assert not app.screen.query(Greeting)


async def test_a_switch_after_skipping_the_questions_does_not_ask_them_again(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["", "Hello. I'm Alan."]), onboarding=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OnboardingScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        app.screen.query_one(PromptInput).load_text("/persona alan")
        await pilot.press("enter")

        def alan_spoke() -> bool:
            replies = app.screen.query(ReplyMessage)
            return bool(replies) and shown(replies.last()) == "Hello. I'm Alan."

        # Either the questions come back (the bug) or Alan introduces himself.
        await until(pilot, lambda: isinstance(app.screen, OnboardingScreen) or alan_spoke())
        assert isinstance(app.screen, ChatScreen)
        assert app.companion.persona.name == "Alan"
