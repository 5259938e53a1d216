"""The line above the transcript: who she is, what voice she speaks with, and whether she is talking."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static


def backend_label(name: str, model: str, is_offline: bool) -> str:
    """Say what is answering: a model by name, or plainly that there is none."""
    if is_offline:
        return "offline voice (no model)"
    if not model or model == name:
        return name
    return f"{name} · {model}"


class StatusLine(Horizontal):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 2;
        background: $panel;
        color: $text-muted;
    }
    StatusLine > #name { width: auto; text-style: bold; }
    StatusLine > #who { width: 1fr; }
    StatusLine > #state { width: auto; color: $text-accent; }
    """

    #: Whether a reply is streaming; shown at the right so Esc has something to refer to.
    replying: reactive[bool] = reactive(False, init=False)

    def __init__(self, persona: str, backend: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.persona = persona
        self.backend = backend

    def compose(self) -> ComposeResult:
        # Content(...) keeps names literal: a persona called '[b]x' shows as typed.
        yield Static(Content(self.persona), id="name")
        yield Static(Content(f"  ·  {self.backend}"), id="who")
        yield Static("", id="state")

    def show(self, persona: str, backend: str) -> None:
        self.persona, self.backend = persona, backend
        self.query_one("#name", Static).update(Content(persona))
        self.query_one("#who", Static).update(Content(f"  ·  {backend}"))

    def watch_replying(self, replying: bool) -> None:
        self.query_one("#state", Static).update("replying…" if replying else "")
