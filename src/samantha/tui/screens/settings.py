"""Who she is and what she speaks through: pick a companion and a backend, test the connection,
save. Dismisses with the settings that changed (the app writes them and reopens her) or None."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static

from samantha.config import PRESETS, Paths
from samantha.config.file import as_fields
from samantha.errors import SamanthaError
from samantha.tui.choices import backend_choices, persona_choices
from samantha.tui.safe import visible

if TYPE_CHECKING:
    from samantha.engine import Companion
    from samantha.tui.app import SamanthaApp

Update = dict[str, str | None]


class SettingsScreen(Screen[Update | None]):
    DEFAULT_CSS = """
    SettingsScreen {
        align: center top;
        & > VerticalScroll {
            width: 90;
            max-width: 100%;
            height: auto;
            max-height: 1fr;
            padding: 0 2;
            border: round $accent;
            border-title-color: $accent;
            border-subtitle-color: $text-muted;
        }
        & .heading { margin-top: 1; text-style: bold; color: $accent; }
        & .label { margin-top: 1; }
        & Input, & Select { margin-left: 2; width: 1fr; }
        & Input { background: $boost; }
        & .hint { color: $text-muted; }
        & #result { margin-top: 1; height: auto; }
        & #result.-failed { color: $error; }
        & #buttons { height: auto; align-horizontal: right; margin: 1 0; }
        & #buttons > Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+t", "test", "Test connection"),
    ]

    def __init__(self, companion: Companion) -> None:
        super().__init__()
        self.companion = companion

    def compose(self) -> ComposeResult:
        settings = self.companion.settings
        personas = persona_choices()
        keys = [p.key for p in personas]
        current = settings.persona if settings.persona in keys else self.companion.persona.key
        with VerticalScroll() as box:
            box.border_title = "Settings"
            box.border_subtitle = f"saved to {Paths.from_env().config_file}"
            yield Static(Content("Companion"), classes="heading")
            yield Select(
                [
                    (Content(visible(p.name + (f", {p.tagline}" if p.tagline else ""))), p.key)
                    for p in personas
                ],
                value=current if current in keys else Select.NULL,
                allow_blank=current not in keys,
                id="persona",
                compact=True,
            )
            yield Static(Content("Backend"), classes="heading")
            yield Select(
                [(Content(f"{n} — {d}"), n) for n, d in backend_choices(settings.backend)],
                value=settings.backend,
                allow_blank=False,
                id="backend",
                compact=True,
            )
            yield Static(Content("Model"), classes="label")
            yield Input(settings.model or "", id="model", compact=True)
            yield Static(
                Content("Server address (OpenAI-compatible, ending in /v1)"), classes="label"
            )
            yield Input(settings.base_url or "", id="base_url", compact=True)
            yield Static(Content("API key"), classes="label")
            yield Input(
                placeholder="set (hidden); type to replace" if settings.api_key else "none",
                password=True,
                id="api_key",
                compact=True,
            )
            yield Static(
                Content("A key typed here is saved in the config file, readable only by you."),
                classes="hint",
            )
            yield Static(Content(""), id="result")
            with Horizontal(id="buttons"):
                yield Button("Test connection", id="test")
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._placeholders(self.companion.settings.backend)
        self.query_one("#persona", Select).focus()

    @on(Select.Changed, "#backend")
    def backend_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._placeholders(event.value)

    def _placeholders(self, backend: str) -> None:
        preset = PRESETS.get(backend)
        self.query_one("#model", Input).placeholder = (
            f"default: {preset.default_model}" if preset else "the model's name"
        )
        self.query_one("#base_url", Input).placeholder = (
            f"default: {preset.base_url}"
            if preset and preset.base_url
            else "not needed"
            if preset and preset.kind != "openai"
            else "required, e.g. http://localhost:8000/v1"
        )

    def changes(self) -> Update:
        """The settings that differ from the ones in use."""
        settings = self.companion.settings
        persona = self.query_one("#persona", Select).value
        backend = self.query_one("#backend", Select).value
        wanted: Update = {
            "persona": persona if isinstance(persona, str) else settings.persona,
            "backend": backend if isinstance(backend, str) else settings.backend,
            "model": self.query_one("#model", Input).value.strip() or None,
            "base_url": self.query_one("#base_url", Input).value.strip() or None,
        }
        key = self.query_one("#api_key", Input).value.strip()
        update = {k: v for k, v in wanted.items() if getattr(settings, k) != v}
        if key:
            update["api_key"] = key
        return update

    @on(Button.Pressed, "#test")
    @work(exclusive=True, group="test")
    async def action_test(self) -> None:
        result = self.query_one("#result", Static)
        result.remove_class("-failed")
        result.update(Content("Testing…"))
        update = self.changes()
        try:
            if not update:
                sentence = await self.companion.check_backend()
            else:
                # A companion for the settings as they stand on screen, closed straight after.
                host = cast("SamanthaApp", self.app)
                trial_settings = self.companion.settings.model_copy(update=as_fields(update))
                trial = host.open_companion(trial_settings, self.companion)
                try:
                    sentence = await trial.check_backend()
                finally:
                    await trial.aclose()
        except SamanthaError as exc:
            result.add_class("-failed")
            sentence = str(exc)
        result.update(Content(visible(sentence)))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.dismiss(self.changes() or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
