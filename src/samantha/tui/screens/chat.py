"""The chat: transcript, input, and a status line that says who and what she is running on."""

from __future__ import annotations

from contextlib import suppress

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.errors import SamanthaError
from samantha.tui.safe import visible
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine, backend_label
from samantha.tui.widgets.transcript import ReplyMessage, Transcript

STOPPED = "(stopped)"
BROKE_OFF = "(the reply broke off; what arrived is saved)"
NO_REPLY = "(no reply)"


class ChatScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "stop_reply", "Stop reply", show=True),
        Binding("ctrl+n", "new_conversation", "New chat", show=True),
        Binding("ctrl+q", "app.quit", "Quit", show=True, priority=True),
    ]

    def __init__(self, companion: Companion, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.companion = companion
        self._cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        backend = self.companion.backend
        label = backend_label(backend.name, backend.model, backend.is_offline)
        yield StatusLine(self.companion.persona.name, label, id="status-line")
        yield Transcript(id="transcript")
        yield PromptInput(cursor_blink=self._cursor_blink)
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        self.load_history()

    @property
    def replying(self) -> bool:
        return any(
            w.node is self and w.group == "reply" and not w.is_finished for w in self.workers
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None keeps "Stop reply" in the footer, dimmed, so the footer does not jump about.
        if action == "stop_reply" and not self.replying:
            return None
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "reply":
            self.query_one(StatusLine).replying = self.replying
            self.refresh_bindings()

    # -- history and greeting ------------------------------------------------------------

    @work(exclusive=True, group="history")
    async def load_history(self) -> None:
        try:
            await self.companion.resume()
            messages = await self.companion.history()
        except SamanthaError as exc:
            self._report(exc)
            return
        await self.query_one(Transcript).show_history(messages)
        if not messages:
            await self._greet()

    async def _greet(self) -> None:
        """Say hello on an empty conversation: the first greeting to someone new, another to
        someone she has talked with before (chosen by conversation, so it is stable)."""
        persona, conversation = self.companion.persona, self.companion.conversation
        if not persona.greetings:
            return
        greeting = persona.greetings[0]
        returning = persona.greetings[1:]
        if returning and await self.companion.last_seen() is not None:
            number = conversation.id if conversation else 0
            greeting = returning[number % len(returning)]
        await self.query_one(Transcript).show_greeting(
            persona.fill(greeting, self.companion.user_name or "you")
        )

    # -- a turn --------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        prompt = self.query_one(PromptInput)
        if self.replying:
            # The words stay in the input, ready to send once she has finished.
            self.notify("She is still answering: press Esc to stop her first.", timeout=4)
            return
        prompt.clear()
        transcript = self.query_one(Transcript)
        await transcript.add_user(event.text)
        view = await transcript.start_reply()
        self.reply(event.text, view)

    @work(exclusive=True, group="reply")
    async def reply(self, text: str, view: ReplyMessage) -> None:
        note: str | None = STOPPED
        failed = False
        try:
            async for event in self.companion.turn(text):
                if isinstance(event, ReplyChunk):
                    await view.add_fragment(event.text)
                elif isinstance(event, TurnResult):
                    note = None
        except SamanthaError as exc:
            # The engine has already stored the user's words and any partial reply.
            self._report(exc)
            # The sentence stays in the transcript after the notification has gone.
            note = f"{BROKE_OFF if view.received else NO_REPLY}\n{visible(str(exc))}"
            failed = True
        finally:
            # Also runs on cancellation (Esc): the note says the reply is not whole.
            await view.finish(note, failed=failed)

    def _report(self, exc: SamanthaError) -> None:
        # The sentence can quote a server's words: show them as typed, never as markup.
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)

    def action_stop_reply(self) -> None:
        self.workers.cancel_group(self, "reply")

    async def _stop_and_wait(self) -> None:
        for worker in self.workers.cancel_group(self, "reply"):
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    async def action_new_conversation(self) -> None:
        # Let a cancelled reply finish saving into the old conversation before switching.
        await self._stop_and_wait()
        try:
            await self.companion.new_conversation()
        except SamanthaError as exc:
            self._report(exc)
            return
        await self.query_one(Transcript).clear()
        await self._greet()
        self.query_one(PromptInput).focus()
        self.notify("A new conversation. The old one is kept.", timeout=3)
