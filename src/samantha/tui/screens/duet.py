"""Two companions talking while you watch: pick them, a topic and a length, then pause,
stop, or step in with something both of them hear.

The screen drives a ``Duet`` (two engines on the same database) and shows its events; it
never talks to a backend or the database itself. Everything said is saved as it is said,
so Esc, a closed terminal or a failing backend costs nothing already on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing, suppress
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static
from textual.worker import WorkerCancelled, WorkerFailed

from samantha.errors import SamanthaError
from samantha.tui.choices import persona_choices
from samantha.tui.safe import visible

if TYPE_CHECKING:
    from samantha.engine import Companion
    from samantha.engine.duet import Duet, DuetEvent
    from samantha.tui.app import SamanthaApp

#: How many lines a duet runs when the user does not say (the CLI's default too).
DEFAULT_LINES = 12
MAX_LINES = 200
SIDES = ("first", "second")
#: Speaker colours for personas without an accent of their own, first side then second.
FALLBACK_COLOURS = ("magenta", "cyan")


class DuetLine(Static):
    """One speaker's line, growing as it streams; always shown as plain text."""

    DEFAULT_CSS = """
    DuetLine { margin: 1 0 0 0; padding: 0 1; }
    DuetLine.-you { background: $boost; border-left: thick $secondary; margin: 1 0 0 8; }
    DuetLine.-cut { color: $text-muted; }
    """

    def __init__(self, speaker: str, colour: str, *, classes: str = "") -> None:
        super().__init__(classes=classes, markup=False)
        self.speaker = speaker
        self.colour = colour
        self.text = ""
        self._show()

    def add(self, fragment: str) -> None:
        self.text += fragment
        self._show()

    def cut(self) -> None:
        """Stopped mid-line: it ends where it was cut, marked."""
        self.text = self.text.rstrip() + " …"
        self.add_class("-cut")
        self._show()

    def _show(self) -> None:
        self.update(
            Content.assemble(
                (f"{self.speaker}: ", f"bold {self.colour}".strip()), visible(self.text)
            )
        )


class DuetScreen(Screen[None]):
    DEFAULT_CSS = """
    DuetScreen {
        & #setup { height: auto; padding: 0 1; }
        & #setup > Horizontal { height: auto; }
        & #setup Select { width: 24; }
        & #setup .word { width: auto; padding: 0 1; color: $text-muted; }
        & #setup .lead { width: 9; text-align: right; }
        & #setup Input { background: $boost; }
        & #topic { width: 1fr; }
        & #lines { width: 7; }
        & #talk {
            height: 1fr;
            padding: 0 1;
            border: round $accent 60%;
            border-title-color: $accent;
        }
        & #status { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
        & #status.-failed { color: $error; }
        & #step-in { margin: 0 1; background: $boost; }
        & #controls { height: auto; padding: 0 1; }
        & #controls > Button { margin-right: 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop / back"),
        Binding("f7", "pause", "Pause / carry on"),
        Binding("ctrl+q", "app.quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, companion: Companion, partner: str = "") -> None:
        super().__init__()
        #: The companion of the chat: the first speaker by default, and whose user you are.
        self.companion = companion
        self.partner = partner.strip().lower()
        self.duet: Duet | None = None
        self._speaking: DuetLine | None = None
        self._colours: dict[str, str] = {}
        #: What you said that the duet has not shown yet (it is stored even if stopped first).
        self._unshown: list[str] = []
        self._human = "you"
        #: How many lines a duet runs, and each carrying-on after it.
        self._length = DEFAULT_LINES

    @property
    def host(self) -> SamanthaApp:
        return cast("SamanthaApp", self.app)

    @property
    def running(self) -> bool:
        return any(not w.is_finished for w in self.workers if w.group == "duet")

    def compose(self) -> ComposeResult:
        personas = persona_choices()
        keys = [p.key for p in personas]
        first = self.companion.persona.key if self.companion.persona.key in keys else None
        others = [k for k in keys if k != first]
        second = self.partner if self.partner in others else (others[0] if others else None)
        options = [(Content(visible(p.name)), p.key) for p in personas]
        # Each side speaks through your backend or the offline voice (the CLI takes any two).
        yours = self.companion.voice_label
        yours = yours if len(yours) <= 20 else yours[:19] + "…"
        voices = [(Content(visible(yours)), "yours")]
        if not self.companion.speaks_offline:
            voices.append((Content("offline voice"), "offline"))
        with Vertical(id="setup"):
            with Horizontal():
                yield Static(Content("between"), classes="word lead")
                yield Select(options, value=first or Select.NULL, id="first", compact=True)
                yield Static(Content("and"), classes="word")
                yield Select(options, value=second or Select.NULL, id="second", compact=True)
                yield Static(Content("for"), classes="word")
                yield Input(str(DEFAULT_LINES), id="lines", type="integer", compact=True)
                yield Static(Content("lines"), classes="word")
            with Horizontal():
                yield Static(Content("through"), classes="word lead")
                yield Select(voices, value="yours", allow_blank=False, id="via-first", compact=True)
                yield Static(Content("and"), classes="word")
                yield Select(
                    voices, value="yours", allow_blank=False, id="via-second", compact=True
                )
            with Horizontal():
                yield Static(Content("about"), classes="word lead")
                yield Input(placeholder="anything (a topic, then Enter)", id="topic", compact=True)
        yield VerticalScroll(id="talk")
        yield Static(Content("Pick two companions and a topic, then Start."), id="status")
        yield Input(
            placeholder="Step in: both of them hear you (Enter)", id="step-in", disabled=True
        )
        with Horizontal(id="controls"):
            yield Button("Start", id="start", variant="primary", compact=True)
            yield Button("Pause", id="pause", disabled=True, compact=True)
            yield Button("Stop", id="stop", disabled=True, compact=True)
            yield Button("Back to chat", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#talk", VerticalScroll).anchor()
        self.query_one("#topic", Input).focus()

    # -- starting --------------------------------------------------------------------------

    @on(Button.Pressed, "#start")
    @on(Input.Submitted, "#topic, #lines")
    def action_start(self) -> None:
        if self.running:
            return
        first, second = (self.query_one(f"#{side}", Select).value for side in SIDES)
        if not isinstance(first, str) or not isinstance(second, str):
            self._status("Pick two companions first.", failed=True)
            return
        if first == second:
            self._status("A duet needs two different companions: pick another one.", failed=True)
            return
        lines = self._lines()
        if lines is None:
            self._status(f"Lines must be a number from 1 to {MAX_LINES}.", failed=True)
            return
        offline = tuple(self.query_one(f"#via-{side}", Select).value == "offline" for side in SIDES)
        topic = self.query_one("#topic", Input).value.strip()
        self.run_duet(first, second, topic, lines, (offline[0], offline[1]))

    def _lines(self) -> int | None:
        text = self.query_one("#lines", Input).value.strip() or str(DEFAULT_LINES)
        with suppress(ValueError):
            count = int(text)
            if 1 <= count <= MAX_LINES:
                return count
        return None

    @work(exclusive=True, group="duet")
    async def run_duet(
        self, first: str, second: str, topic: str, lines: int, offline: tuple[bool, bool]
    ) -> None:
        self._show_running(True)
        self._status("Opening both of them…")
        talk = self.query_one("#talk", VerticalScroll)
        await talk.remove_children()
        await self._close_duet()
        try:
            core = await self.companion.core_memory()
            self._human = human = core.user_name or "you"
            self.duet = duet = await self.host.start_duet(first, second, human, offline)
        except SamanthaError as exc:
            self._status(str(exc), failed=True)
            self._show_running(False)
            return
        except asyncio.CancelledError:
            self._show_running(False)
            raise
        self._colours = {
            side.persona.name: side.persona.accent_color or fallback
            for side, fallback in zip(duet.sides, FALLBACK_COLOURS, strict=True)
        }
        names = " and ".join(visible(side.persona.name) for side in duet.sides)
        talk.border_title = f"{names}: {visible(topic)}" if topic else names
        self._length = lines
        await self._follow(duet.run(topic, lines), lines)

    @work(exclusive=True, group="duet")
    async def carry_on(self, duet: Duet, text: str) -> None:
        """You stepped in after an end or a stop: they answer and talk on as long again."""
        self._show_running(True)
        duet.step_in(text)
        await self._follow(duet.carry_on(self._length), self._length)

    async def _follow(self, events: AsyncGenerator[DuetEvent, None], lines: int) -> None:
        """Show the talk as it happens. The duet stays open afterwards, so you can step in
        and carry it on; it closes with a new duet or this screen."""
        from samantha.engine.duet import DuetEnded, LineDone, Paused, Spoken, SteppedIn

        said = 0
        try:
            async with aclosing(events) as talk:
                async for event in talk:
                    if isinstance(event, Spoken):
                        if self._speaking is None:
                            self._speaking = await self._line(event.speaker)
                            self._status(
                                f"{event.speaker} is speaking · line {said + 1} of {lines}"
                            )
                        self._speaking.add(event.text)
                    elif isinstance(event, LineDone):
                        said = event.turn
                        if self._speaking is None:  # a reply with no text at all
                            self._speaking = await self._line(event.speaker)
                        self._speaking = None
                    elif isinstance(event, SteppedIn):
                        self._unshown.clear()
                        line = await self._line(event.speaker, you=True)
                        line.add(event.text)
                    elif isinstance(event, Paused):
                        self._status(
                            f"Paused after line {event.turns}. F7 to carry on, or step in."
                        )
                    elif isinstance(event, DuetEnded):
                        self._status(
                            f"Ended: {event.reason}. Everything said is saved; "
                            "step in to carry them on."
                        )
        except SamanthaError as exc:
            self._cut()
            saved = " What was said so far is saved." if said else ""
            self._status(f"{exc}{saved}", failed=True)
        finally:
            # Cancelled too (Esc): the engines have saved what was said, marked as cut off,
            # and what you had just said (the duet keeps it in both conversations).
            self._cut()
            if self._unshown and self.is_attached:
                words, self._unshown = "\n".join(self._unshown), []
                (await self._line(self._human, you=True)).add(words)
            self._show_running(False)

    async def _close_duet(self) -> None:
        duet, self.duet = self.duet, None
        if duet is not None:
            await duet.aclose()

    async def on_unmount(self) -> None:
        await self._close_duet()

    async def _line(self, speaker: str, *, you: bool = False) -> DuetLine:
        colour = "" if you else self._colours.get(speaker, "")
        name = "You" if you and speaker == "you" else visible(speaker)
        line = DuetLine(name, colour, classes="-you" if you else "")
        await self.query_one("#talk", VerticalScroll).mount(line)
        return line

    def _cut(self) -> None:
        if self._speaking is not None:
            self._speaking.cut()
            self._speaking = None

    # -- while it runs -----------------------------------------------------------------------

    @on(Input.Submitted, "#step-in")
    def step_in(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        duet = self.duet
        if duet is None:
            self._status("They are not talking yet: send it again in a moment.")
            return
        self._unshown.append(text)
        event.input.clear()
        if self.running:
            duet.step_in(text)
            self._status("They will hear you after this line.")
            self._pause_label()
        else:
            self.carry_on(duet, text)

    @on(Button.Pressed, "#pause")
    def action_pause(self) -> None:
        duet = self.duet
        if duet is None:
            return
        if duet.paused:
            duet.resume()
            self._status("Carrying on…")
        else:
            duet.pause()
            self._status("Pausing after this line…")
        self._pause_label()

    def _pause_label(self) -> None:
        paused = self.duet is not None and self.duet.paused
        self.query_one("#pause", Button).label = "Carry on" if paused else "Pause"

    @on(Button.Pressed, "#stop")
    async def stop(self) -> None:
        """Stop now; the line being spoken is kept as far as it got."""
        for worker in self.workers.cancel_group(self, "duet"):
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        self._status("Stopped. Everything said is saved; step in to carry them on.")

    async def action_stop_or_close(self) -> None:
        if self.running:
            await self.stop()
        else:
            self.dismiss(None)

    @on(Button.Pressed, "#back")
    async def back(self) -> None:
        await self.stop()
        self.dismiss(None)

    # -- looks -------------------------------------------------------------------------------

    def _show_running(self, running: bool) -> None:
        if not self.is_attached:
            return  # the screen went while the duet was closing
        for selector in (
            "#first",
            "#second",
            "#via-first",
            "#via-second",
            "#topic",
            "#lines",
            "#start",
        ):
            self.query_one(selector).disabled = running
        for selector in ("#pause", "#stop"):
            self.query_one(selector).disabled = not running
        # After an end or a stop, stepping in carries the same talk on.
        step_in = self.query_one("#step-in", Input)
        step_in.disabled = not running and self.duet is None
        step_in.placeholder = (
            "Step in: both of them hear you (Enter)"
            if running or self.duet is None
            else "Step in to carry them on: both hear you (Enter)"
        )
        self._pause_label()
        (step_in if not step_in.disabled else self.query_one("#topic")).focus()

    def _status(self, text: str, *, failed: bool = False) -> None:
        if not self.is_attached:
            return
        status = self.query_one("#status", Static)
        status.update(Content(visible(text)))
        status.set_class(failed, "-failed")
