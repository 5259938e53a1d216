"""The chat drives her voice: replies are fed to it as they stream, typing and Esc stop it,
/voice and the talk key answer in one sentence, and none of it can break the chat."""

from __future__ import annotations

from samantha.backends.scripted import ScriptedBackend
from samantha.tui.widgets.prompt_input import PromptInput
from tests.tui.conftest import BuildApp
from tests.tui.helpers import notes, send, settle

SIZE = (100, 30)


class SpyVoice:
    """Stands in for VoiceSession and records what the chat asked of it."""

    def __init__(self) -> None:
        self.fed: list[str] = []
        self.calls: list[str] = []
        self.listening = False

    def feed(self, text: str) -> None:
        self.fed.append(text)

    def finish(self) -> None:
        self.calls.append("finish")

    def barge_in(self) -> None:
        self.calls.append("barge_in")

    def toggle_mute(self) -> str:
        self.calls.append("mute")
        return "She is muted."

    async def command(self, argument: str) -> str:
        self.calls.append(f"command {argument}")
        return "Voice is on."

    async def switch(self, settings: object, persona: object) -> None:
        return None

    async def aclose(self) -> None:
        self.calls.append("aclose")


async def test_replies_are_spoken_as_they_stream_and_typing_stops_her(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["Hello there. How are you?"]))
    spy = SpyVoice()
    app.voice_session = spy  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "hi")
        assert "".join(spy.fed) == "Hello there. How are you?"
        assert spy.calls.index("barge_in") < spy.calls.index("finish")
        spy.calls.clear()
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        await pilot.press("a")
        await pilot.pause()
        assert prompt.text == "a"
        assert "barge_in" in spy.calls
        spy.calls.clear()
        await pilot.press("escape")
        await pilot.pause()
        assert "barge_in" in spy.calls
        await pilot.press("f9")
        await pilot.pause()
        assert "She is muted." in notes(app)
    assert "aclose" in spy.calls


async def test_voice_command_answers_in_one_sentence(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend())
    spy = SpyVoice()
    app.voice_session = spy  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/voice on")
        assert "command on" in spy.calls
        assert "Voice is on." in notes(app)
        assert await app.companion.history() == []  # a command, not a message


async def test_without_any_voice_the_chat_goes_on(build_app: BuildApp) -> None:
    # The real VoiceSession on a machine with no speech server and no audio device.
    app = build_app(ScriptedBackend(replies=["Still here."]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/voice on")
        said = notes(app)
        assert said
        assert all("Traceback" not in n for n in said)
        await pilot.press("f8")
        await settle(pilot)
        assert app.screen.query_one(PromptInput).text == ""
        await send(pilot, "are you there?")
        history = await app.companion.history()
        assert [m.text for m in history] == ["are you there?", "Still here."]
