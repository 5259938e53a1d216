"""Her state at a glance: mood with its trend, the bond, what she recalled, and the voice.

A view only: the chat screen asks the engine and hands the answers in. Each part shows what
exists and says so plainly when nothing does yet (no made-up numbers before the first turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Sparkline, Static

from samantha.domain.conversation import StateSnapshot
from samantha.engine.prompt import Prompt
from samantha.state.inner import InnerState
from samantha.timefmt import humanize
from samantha.tui.safe import visible
from samantha.tui.screens.context import ACCURACY_WORDS
from samantha.tui.widgets.meter import Meter
from samantha.tui.widgets.status_line import backend_label

if TYPE_CHECKING:
    from samantha.engine.results import Timings
    from samantha.memory import Recalled

#: How many recalled memories fit; the rest are counted.
RECALLED_SHOWN = 5
#: Characters of a recalled memory before it is cut (the memory screen has the rest).
RECALLED_CHARS = 90
PAD_AXES = ("pleasure", "arousal", "dominance")
#: Why she spoke first, as the panel says it (the reasons of engine/initiative.py).
SPOKE_FIRST = {
    "plan_today": "a plan of yours is today",
    "plan_tomorrow": "a plan of yours is tomorrow",
    "heavy": "you told her something heavy",
}


class StatePanel(VerticalScroll):
    DEFAULT_CSS = """
    StatePanel {
        padding: 0 1;
        background: $panel;
        scrollbar-size-vertical: 1;
        & > .heading {
            margin-top: 1;
            color: $accent;
            text-style: bold;
        }
        & > #her-name { color: $accent; text-style: bold; margin-top: 0; }
        & > .detail { color: $text-muted; }
        & > Sparkline { height: 1; margin-left: 10; margin-right: 6; }
        & > Sparkline > .sparkline--max-color { color: $accent; }
        & > Sparkline > .sparkline--min-color { color: $accent 30%; }
        & > #strained.-strained { color: $warning; text-style: bold; }
    }
    """

    def __init__(self, persona: str, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=False)
        self.persona = persona

    def compose(self) -> ComposeResult:
        yield Static(Content(self.persona), id="her-name")
        yield Static(Content("…"), id="mood", classes="detail")
        for axis in PAD_AXES:
            yield Meter(axis, signed=True, id=axis)
            yield Sparkline([], id=f"trend-{axis}")
        yield Static(Content(""), id="trend-note", classes="detail")
        yield Static(Content("Bond"), classes="heading")
        yield Static(Content("…"), id="stage", classes="detail")
        yield Meter("closeness", id="closeness")
        yield Meter("trust", id="trust")
        yield Meter("tension", id="tension", classes="-warning")
        yield Static(Content(""), id="strained", classes="detail")
        yield Static(Content("On her mind"), classes="heading")
        yield Static(Content("Nothing recalled yet this session."), id="recalled", classes="detail")
        yield Static(Content("Voice"), classes="heading")
        yield Static(Content(""), id="voice", classes="detail")
        yield Static(Content("Speed shows after a reply."), id="speed", classes="detail")
        yield Meter("context", percent=True, id="context")
        yield Static(
            Content("Context use shows after a reply."), id="context-note", classes="detail"
        )

    def show_persona(self, name: str) -> None:
        self.query_one("#her-name", Static).update(Content(name))

    def show_state(self, state: InnerState, history: Sequence[StateSnapshot]) -> None:
        mood = state.mood
        self.query_one("#mood", Static).update(Content(f"mood: {mood.label}"))
        pad = mood.pad
        for axis in PAD_AXES:
            self.query_one(f"#{axis}", Meter).value = getattr(pad, axis)
            trend = self.query_one(f"#trend-{axis}", Sparkline)
            points = [getattr(snap, axis) for snap in history]
            # A single point is not a trend: show the line only once there is one.
            trend.data = points
            trend.display = len(points) >= 2
        note = self.query_one("#trend-note", Static)
        if len(history) >= 2:
            span = history[-1].at - history[0].at
            over = "just now" if span < timedelta(minutes=2) else f"over {humanize(span)}"
            note.update(Content(f"trend: {len(history)} readings {over}"))
        else:
            note.update(Content("trend: shows after a few exchanges"))
        bond = state.relationship
        self.query_one("#stage", Static).update(Content(f"stage: {state.stage}"))
        self.query_one("#closeness", Meter).value = bond.closeness
        self.query_one("#trust", Meter).value = bond.trust
        self.query_one("#tension", Meter).value = bond.tension
        strained = self.query_one("#strained", Static)
        strained.update(
            Content("strained: yes, it still stings" if bond.strained else "strained: no")
        )
        strained.set_class(bond.strained, "-strained")

    def show_recalled(self, recalled: Sequence[Recalled]) -> None:
        box = self.query_one("#recalled", Static)
        if not recalled:
            box.update(Content("Nothing came to mind for the last message."))
            return
        lines = []
        for item in recalled[:RECALLED_SHOWN]:
            text = " ".join(item.memory.text.split())
            if len(text) > RECALLED_CHARS:
                text = text[: RECALLED_CHARS - 1] + "…"
            lines.append(f"• {visible(text)} ({item.score:.2f})")
        if len(recalled) > RECALLED_SHOWN:
            lines.append(f"and {len(recalled) - RECALLED_SHOWN} more")
        box.update(Content("\n".join(lines)))

    def show_spoke_first(self, reason: str, about: str) -> None:
        """Why she spoke unasked, where what came to her mind goes, until a reply replaces it."""
        text = " ".join(about.split())
        if len(text) > RECALLED_CHARS:
            text = text[: RECALLED_CHARS - 1] + "…"
        why = SPOKE_FIRST.get(reason, reason)
        self.query_one("#recalled", Static).update(
            Content(f"She spoke first: {why}.\n• {visible(text)}")
        )

    def show_voice(self, name: str, model: str, is_offline: bool, window: int) -> None:
        label = backend_label(name, model, is_offline)
        self.query_one("#voice", Static).update(Content(f"{label}\nwindow: {window:,} tokens"))

    def show_speed(self, timings: Timings) -> None:
        """How fast the last reply came: the wait for its first word, and its pace after
        that (from the server's count, or the streamed pieces when it sends none)."""
        parts = []
        if timings.first_token_ms is not None:
            parts.append(f"first word in {timings.first_token_ms / 1000:.2f} s")
        if timings.tokens_per_second is not None:
            parts.append(f"{timings.tokens_per_second:.0f} tokens/s")
        text = " · ".join(parts) if parts else "too short to time"
        self.query_one("#speed", Static).update(Content(text))

    def show_prompt(self, prompt: Prompt) -> None:
        meter = self.query_one("#context", Meter)
        budget = max(1, prompt.budget)
        meter.value = min(1.0, prompt.tokens / budget)
        accuracy = ACCURACY_WORDS.get(prompt.accuracy, prompt.accuracy)
        note = f"{prompt.tokens:,} / {prompt.budget:,} tokens ({accuracy})"
        if prompt.dropped:
            note += f"\n{prompt.dropped} older messages left out"
        self.query_one("#context-note", Static).update(Content(note))
