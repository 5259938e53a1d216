"""First run, "installing the OS": a few questions before she starts. Esc skips them all.

Dismisses with the answers (the app stores them through the engine and saves the choices)
or None when skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static

from samantha.tui.choices import PersonaChoice, persona_line
from samantha.tui.safe import visible


@dataclass(frozen=True)
class Answers:
    name: str
    about: str
    #: The persona's key (file name), as settings take it.
    persona: str
    backend: str


class OnboardingScreen(Screen[Answers | None]):
    DEFAULT_CSS = """
    OnboardingScreen {
        align: center middle;
        & > #setup {
            width: 80;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            padding: 0 2;
            border: round $accent;
            border-title-color: $accent;
            border-title-style: bold;
            background: $surface;
        }
        & .intro { color: $text-muted; margin-top: 1; }
        & .question { margin-top: 1; text-style: bold; }
        & Input, & Select { margin-left: 2; width: 1fr; }
        & Input { background: $boost; }
        & .hint { color: $text-muted; }
        & #buttons { height: auto; align-horizontal: right; margin: 1 0; }
        & #buttons > Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "skip", "Skip setup"),
        Binding("ctrl+s", "begin", "Begin"),
    ]

    def __init__(
        self,
        personas: list[PersonaChoice],
        backends: list[tuple[str, str]],
        *,
        persona: str,
        backend: str,
        check: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        super().__init__()
        self.personas = personas
        self.backends = backends
        self.persona = persona
        self.backend = backend
        #: Tests the configured backend, to say whether it answers before the user picks.
        self.check = check

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup") as setup:
            setup.border_title = "Setting up"
            yield Static(
                Content(
                    "Welcome. Before she is started, a few basic questions. "
                    "Everything stays on this computer. Esc skips them."
                ),
                classes="intro",
            )
            yield Static(Content("What should she call you?"), classes="question")
            yield Input(placeholder="your first name", id="name", max_length=64, compact=True)
            yield Static(Content("How would you describe yourself?"), classes="question")
            yield Input(
                placeholder="a line or two: what you do, what you care about",
                id="about",
                compact=True,
            )
            yield Static(Content("Who would you like to talk to?"), classes="question")
            options = [(Content(persona_line(p)), p.key) for p in self.personas]
            keys = [p.key for p in self.personas]
            yield Select(
                options,
                value=self.persona if self.persona in keys else Select.NULL,
                allow_blank=not keys or self.persona not in keys,
                id="persona",
                compact=True,
            )
            yield Static(Content("Which voice should she speak with?"), classes="question")
            yield Select(
                [(Content(f"{name} — {text}"), name) for name, text in self.backends],
                value=self.backend,
                allow_blank=False,
                id="backend",
                compact=True,
            )
            yield Static(Content(""), id="backend-note", classes="hint")
            with Horizontal(id="buttons"):
                yield Button("Skip", id="skip")
                yield Button("Begin", id="begin", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        if self.backend != "offline" and self.check is not None:
            self.test_backend()

    @work(exclusive=True, group="check")
    async def test_backend(self) -> None:
        if self.check is None:
            return
        note = self.query_one("#backend-note", Static)
        note.update(Content(f"Asking {self.backend} whether it answers…"))
        sentence = await self.check()
        note.update(Content(visible(sentence)))

    @on(Input.Submitted)
    def next_question(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#begin")
    def action_begin(self) -> None:
        persona = self.query_one("#persona", Select).value
        backend = self.query_one("#backend", Select).value
        self.dismiss(
            Answers(
                name=self.query_one("#name", Input).value.strip(),
                about=self.query_one("#about", Input).value.strip(),
                persona=persona if isinstance(persona, str) else self.persona,
                backend=backend if isinstance(backend, str) else self.backend,
            )
        )
