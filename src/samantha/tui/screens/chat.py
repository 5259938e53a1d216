"""The chat: transcript, input, and a status line that says who and what she is running on."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.errors import SamanthaError
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.transcript import ReplyMessage, Transcript


class ChatScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "stop_reply", "Stop reply", show=True),
        Binding("ctrl+n", "new_conversation", "New chat", show=True),
        Binding("ctrl+q", "app.quit", "Quit", show=True, priority=True),
    ]

    def __init__(self, companion: Companion) -> None:
        super().__init__()
        self.companion = companion

    def compose(self) -> ComposeResult:
        yield Static(self._status_text(), id="status-line")
        yield Transcript(id="transcript")
        yield PromptInput()
        yield Footer()

    def _status_text(self) -> str:
        backend = self.companion.backend
        where = "offline voice" if backend.is_offline else f"{backend.name} · {backend.model}"
        return f"{self.companion.persona.name}  ·  {where}"

    async def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        self.load_history()

    @work(exclusive=True, group="history")
    async def load_history(self) -> None:
        try:
            await self.companion.resume()
            messages = await self.companion.history()
        except SamanthaError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        transcript = self.query_one(Transcript)
        await transcript.show_history(messages)
        if not messages and self.companion.persona.greetings:
            greeting = self.companion.persona.fill(self.companion.persona.greetings[0])
            await transcript.mount(ReplyMessage(greeting))

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        if any(w.group == "reply" and w.is_running for w in self.workers):
            self.notify("She is still answering: press Esc to stop her first.", timeout=4)
            return
        transcript = self.query_one(Transcript)
        await transcript.add_user(event.text)
        view = await transcript.start_reply()
        self.reply(event.text, view)

    @work(exclusive=True, group="reply")
    async def reply(self, text: str, view: ReplyMessage) -> None:
        finished = False
        try:
            async for event in self.companion.turn(text):
                if isinstance(event, ReplyChunk):
                    await view.add_fragment(event.text)
                elif isinstance(event, TurnResult):
                    finished = True
                    await view.finish()
        except SamanthaError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            await view.finish("(the reply failed; what arrived is saved)", failed=True)
        finally:
            if not finished and not view.has_class("-failed"):
                await view.finish("(stopped)")

    def action_stop_reply(self) -> None:
        self.workers.cancel_group(self, "reply")

    async def action_new_conversation(self) -> None:
        self.workers.cancel_group(self, "reply")
        await self.companion.new_conversation()
        transcript = self.query_one(Transcript)
        await transcript.remove_children()
        self.notify("A new conversation. The old one is kept.", timeout=3)
