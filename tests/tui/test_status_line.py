"""The status line and footer: what is answering, and whether Esc has anything to stop."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Settings
from samantha.tui.widgets.status_line import StatusLine, backend_label
from samantha.voice.offline import VoiceRenderer
from tests.tui.conftest import BuildApp
from tests.tui.helpers import GatedBackend, settle, shown


@pytest.mark.parametrize(
    ("name", "model", "offline", "label"),
    [
        ("offline", "offline voice", True, "offline voice (no model)"),
        ("scripted", "scripted", False, "scripted"),
        ("ollama", "llama3.2", False, "ollama · llama3.2"),
        ("custom", "", False, "custom"),
    ],
)
def test_backend_label(name: str, model: str, offline: bool, label: str) -> None:
    assert backend_label(name, model, offline) == label


async def test_the_offline_voice_is_labelled_as_having_no_model(build_app: BuildApp) -> None:
    app = build_app(VoiceRenderer(Settings().backend_spec()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown(app.screen.query_one(StatusLine)) == "Samantha  ·  offline voice (no model)"


async def test_a_model_backend_shows_its_name_and_model(build_app: BuildApp) -> None:
    spec = Settings(backend="ollama", model="llama3.2").backend_spec()
    app = build_app(ScriptedBackend(spec))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown(app.screen.query_one(StatusLine)) == "Samantha  ·  ollama · llama3.2"


async def test_stop_reply_is_offered_only_while_she_is_replying(build_app: BuildApp) -> None:
    backend = GatedBackend(replies=["one two three"])
    app = build_app(backend)

    def stop_key_disabled() -> bool:
        keys = [k for k in app.screen.query(FooterKey) if k.action == "stop_reply"]
        assert len(keys) == 1
        return keys[0].has_class("-disabled")

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert stop_key_disabled()
        await pilot.press("h", "i", "enter")
        await backend.allow(1)
        await pilot.pause()
        await pilot.pause()
        assert not stop_key_disabled()
        assert shown(app.screen.query_one(StatusLine)).endswith("replying…")

        await backend.allow_all()
        await settle(pilot)
        assert stop_key_disabled()
        assert shown(app.screen.query_one(StatusLine)) == "Samantha  ·  scripted"
