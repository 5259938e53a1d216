"""The chat: transcript, input, her state beside it, and every chat action by key, palette or
slash command. Replies stream in a worker (group "reply") that Esc cancels."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.worker import Worker

from samantha.errors import SamanthaError
from samantha.tui.chat_commands import EARLIER, RECENT, ChatCommands
from samantha.tui.commands import parse_slash, unslash
from samantha.tui.safe import visible
from samantha.tui.widgets.footer import Footer
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine, backend_label
from samantha.tui.widgets.transcript import ReplyMessage, Transcript, UserMessage

# The engine and the other screens load when first needed: the chat paints before them.
if TYPE_CHECKING:
    from samantha.engine import Companion, TurnEvent, TurnResult
    from samantha.engine.initiative import Spoke
    from samantha.tui.screens.onboarding import OnboardingScreen
    from samantha.tui.widgets.state_panel import StatePanel

STOPPED = "(stopped)"
BROKE_OFF = "(the reply broke off; what arrived is saved)"
NO_REPLY = "(no reply: Ctrl+R sends it again)"
STILL_ANSWERING = "She is still answering: press Esc to stop her first."
#: The mood trend covers this span, at most this many points.
TREND_SPAN = timedelta(days=7)
TREND_POINTS = 48
#: From this terminal width the state panel starts open.
WIDE = 160
#: The longest a reply's words are read without letting the screen and keys in (seconds): a
#: fast model's words arrive in bursts the client reads without waiting, tens of
#: milliseconds of parsing at a time.
READ_SLICE_S = 0.004
#: The collector's oldest-generation threshold while she streams: out of reach.
HOLD_FULL_COLLECTION = 1_000_000
#: How often the open chat asks whether she would speak first (setting `nudge`).
NUDGE_EVERY = 60.0

TurnStarter = Callable[[], AsyncIterator["TurnEvent"]]
#: What works before the companion has opened.
EARLY_ACTIONS = {"help", "app.quit", "stop_reply"}


# EARLIER and RECENT are the chat's paging sizes; tests read them from here.
__all__ = ["EARLIER", "RECENT", "ChatScreen"]


#: Workers in which she is speaking: a message sent meanwhile is queued behind them.
_SPEAKING = {"reply", "greeting"}


class ChatScreen(ChatCommands):
    #: Classes for the terminal's width, which samantha.tcss sizes the panel and margins by.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (WIDE, "-wide")]
    BINDINGS = [
        Binding("escape", "stop_reply", "Stop", show=True),
        Binding("f1", "help", "Help"),
        Binding("f2,ctrl+b", "toggle_panel", "State"),
        Binding("f3", "conversations", "Chats"),
        Binding("f4", "memories", "Memory"),
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+r", "regenerate", "Again"),
        Binding("f5", "settings", "Settings", show=False),
        Binding("ctrl+l", "edit_last", "Edit last", show=False),
        Binding("ctrl+o", "copy_reply", "Copy reply", show=False),
        Binding("f8", "talk", "Talk", show=False),
        Binding("f9", "mute", "Mute", show=False),
        # Shown in /help, not the footer: every key above fits in 80 columns without it.
        Binding("ctrl+q", "app.quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self, companion: Companion | None, *, cursor_blink: bool = True, greet: bool = True
    ) -> None:
        super().__init__(companion)
        self._cursor_blink = cursor_blink
        #: Ask the engine for an opening line (it knows the time away) when the session opens.
        self._greet_first = greet
        #: The user message being edited with Ctrl+L, until it is resent or Esc.
        self.editing: UserMessage | None = None
        #: The first quiet minute of a session writes her diary for the days since.
        self._diary_written = False
        #: The last turn the model answered, for the state panel when it opens.
        self._last_turn: TurnResult | None = None
        #: She spoke first since that turn: the panel says why until the next reply.
        self._spoke_first: Spoke | None = None
        #: Messages sent while she was replying, shown as queued, sent in order after her.
        self.queued: list[UserMessage] = []

    def compose(self) -> ComposeResult:
        if self._companion is None:
            yield StatusLine("samantha", "waking up…", id="status-line")
        else:
            yield StatusLine(*self._who(self._companion), id="status-line")
        with Horizontal(id="body"), Vertical(id="main"):
            yield Transcript(id="transcript")
            yield PromptInput(cursor_blink=self._cursor_blink)
        yield Footer()

    @staticmethod
    def _who(companion: Companion) -> tuple[str, str]:
        backend = companion.backend
        return companion.persona.name, backend_label(
            backend.name, backend.model, companion.speaks_offline
        )

    def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        if self._companion is not None:
            self._begin()

    def attach(self, companion: Companion) -> None:
        """The companion has opened: say who she is and start the session."""
        self._companion = companion
        self.query_one(StatusLine).show(*self._who(companion))
        self.refresh_bindings()
        self._begin()

    def _begin(self) -> None:
        self.start()
        if self.app.size.width >= WIDE:
            self.run_worker(self.action_toggle_panel(), group="panel")

    @property
    def replying(self) -> bool:
        return any(
            # Her greeting is her speaking too: a message sent during it waits behind it.
            w.node is self and w.group in _SPEAKING and not w.is_finished
            for w in self.workers
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None keeps a key in the footer, dimmed, so the footer does not jump about.
        if action == "stop_reply" and not self.replying and self.editing is None:
            return None
        if self._companion is None and action not in EARLY_ACTIONS:
            return None
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        ended = event.worker.group in _SPEAKING and event.worker.is_finished
        if ended and self.queued and not self.replying:
            self.send_queued()
        if event.worker.group in {"reply", "greeting"}:
            busy = any(w.group in {"reply", "greeting"} and not w.is_finished for w in self.workers)
            status = self.query_one(StatusLine)
            if busy != status.replying:
                status.replying = busy
                # Only on a change: each refresh rebuilds the footer.
                self.refresh_bindings()

    # -- the session opens -----------------------------------------------------------------

    @work(exclusive=True, group="history")
    async def start(self) -> None:
        try:
            first_run = await self.host.wants_onboarding(self.companion)
            await self.companion.resume()
            messages = await self.companion.history(RECENT)
        except SamanthaError as exc:
            self.host.report(exc)
            return
        transcript, glanced = self.query_one(Transcript), await self.host.take_glanced()
        if glanced != [m.id for m in messages]:
            if glanced:  # the app's glance before she opened saw another conversation
                await transcript.clear()
            await transcript.show_history(messages, earlier=len(messages) >= RECENT)
        elif len(messages) >= RECENT:  # on screen already: say that older ones load on scroll
            await transcript.filled()
            await transcript.show_earlier([], earlier=True)
        self.host.session_started()
        self.set_interval(NUDGE_EVERY, self._quiet_minute)
        if first_run:
            answers = await self.app.push_screen_wait(self._onboarding())
            if answers is None:
                # Skipped: asked once is enough, even when a switch opens a new chat screen.
                self.host.onboarding = False
            elif await self.host.apply_onboarding(answers):
                return  # a new chat screen, for the companion chosen, takes over
            self._greet_first = True
        if self._greet_first:
            self.greet()
        else:
            await self._hello()

    def _quiet_minute(self) -> None:
        """The timer's tick. A nudge still being written (a slow model) is left to finish:
        the next tick would otherwise cancel it, and she would never get a word out."""
        if not any(
            w.node is self and w.group == "nudge" and not w.is_finished for w in self.workers
        ):
            self.nudge()

    @work(exclusive=True, group="nudge")
    async def nudge(self) -> None:
        """She may speak first when the chat has been quiet (engine/initiative.py decides)."""
        busy = self.replying or bool(self.queued) or self.editing is not None
        if not self._diary_written and not busy:
            # Her diary for the days that ended since she last wrote (engine/diary.py).
            self._diary_written = True
            with suppress(SamanthaError):
                await self.companion.write_diary()
        if busy or not self.companion.settings.nudge:
            return
        try:
            spoke = await self.companion.nudge()
        except SamanthaError:
            return  # a background nicety: a failure here must not interrupt the chat
        if spoke is not None:
            await self.query_one(Transcript).add_message(spoke.message)
            self._spoke_first = spoke
            panel = self.panel
            if panel is not None and panel.display:
                self._show_turn(panel)

    def _onboarding(self) -> OnboardingScreen:
        from samantha.tui.choices import backend_choices, persona_choices
        from samantha.tui.screens.onboarding import OnboardingScreen

        settings = self.companion.settings
        return OnboardingScreen(
            persona_choices(),
            backend_choices(settings.backend),
            persona=settings.persona,
            backend=settings.backend,
            check=self.companion.check_backend,
        )

    @work(exclusive=True, group="greeting")
    async def greet(self) -> None:
        """Her opening line: she speaks first, knowing how long you have been away."""
        try:
            message = await self.companion.greet()
        except SamanthaError as exc:
            self.host.report(exc)
            message = None
        if message is not None:
            # A message sent while she was saying hello is shown (and sent) after it.
            first_queued = self.queued[0] if self.queued else None
            await self.query_one(Transcript).add_message(message, before=first_queued)
        else:
            await self._hello()

    async def _hello(self) -> None:
        """Say hello on an empty conversation: the first greeting to someone new, another to
        someone she has talked with before. Shown, not stored: the model never sees it."""
        transcript = self.query_one(Transcript)
        persona, conversation = self.companion.persona, self.companion.conversation
        if transcript.messages or not persona.greetings:
            return
        greeting = persona.greetings[0]
        returning = persona.greetings[1:]
        if returning and await self.companion.last_seen() is not None:
            number = conversation.id if conversation else 0
            greeting = returning[number % len(returning)]
        await transcript.show_greeting(persona.fill(greeting, self.companion.user_name or "you"))

    # -- sending ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        prompt = self.query_one(PromptInput)
        line = parse_slash(event.text)
        if line is not None:
            prompt.clear()
            await self.run_slash(line)
            return
        if self._companion is None:
            self.notify("She is still waking up: send it again in a moment.", timeout=3)
            return
        text = unslash(event.text)
        prompt.clear()
        if self.replying or self.queued:
            # Shown as queued and sent after her reply, on its own (never merged with what
            # is typed next).
            self.queued.append(await self.query_one(Transcript).add_user(text, queued=True))
            return
        if self.editing is not None:
            await self._resend(self.editing, text)
            return
        transcript = self.query_one(Transcript)
        user = await transcript.add_user(text)
        view = await transcript.start_reply()
        self.reply(lambda: self.companion.turn(text), view, user)

    @work(exclusive=True, group="queue")
    async def send_queued(self) -> None:
        """Send the oldest queued message; the next goes when her answer to it has ended."""
        transcript = self.query_one(Transcript)
        while self.queued and not self.queued[0].is_attached:
            self.queued.pop(0)  # its conversation was closed
        if not self.queued or self.replying:
            return
        user = self.queued[0]
        view = await transcript.start_reply(after=user)
        # Still first in the queue until the reply has started, so Enter meanwhile queues.
        self.queued.pop(0)
        user.send()
        text = user.text
        self.reply(lambda: self.companion.turn(text), view, user)

    async def stop_and_wait(self) -> None:
        """Before the conversation changes: queued words go back to the input, unsent."""
        self._spoke_first = None  # why she spoke first belongs to the old conversation
        if self.queued:
            waiting, self.queued = self.queued, []
            prompt = self.query_one(PromptInput)
            texts = [w.text for w in waiting] + ([prompt.text] if prompt.text.strip() else [])
            prompt.load_text("\n\n".join(texts))
            prompt.move_cursor(prompt.document.end)
            for widget in waiting:
                if widget.is_attached:
                    await widget.remove()
            self.notify("What you queued was not sent: it is back in the input.", timeout=5)
        await super().stop_and_wait()

    @work(exclusive=True, group="reply")
    async def reply(self, start: TurnStarter, view: ReplyMessage, user: UserMessage) -> None:
        from samantha.engine import ReplyChunk, TurnResult
        from samantha.engine.results import CUT_SENTENCES

        note: str | None = STOPPED
        failed = False
        result: TurnResult | None = None
        voice = self.host.voice
        voice.barge_in()  # a new reply stops whatever she was still saying
        # No full collection while she streams: it walks the whole session's heap (10-25 ms)
        # inside whichever frame happens to allocate. The young generations are still
        # collected (a millisecond or two each), so nothing piles up for the end of the reply.
        thresholds = gc.get_threshold()
        gc.set_threshold(thresholds[0], thresholds[1], HOLD_FULL_COLLECTION)
        try:
            await self.host.warmed()
            since = time.perf_counter()
            async for event in start():
                if isinstance(event, ReplyChunk):
                    await view.add_fragment(event.text)
                    voice.feed(event.text)
                    if time.perf_counter() - since > READ_SLICE_S:
                        await asyncio.sleep(0)  # the loop's turn: a frame, a key (Esc)
                        since = time.perf_counter()
                elif isinstance(event, TurnResult):
                    # Cut short (the reply limit, a filter): the note under it says why.
                    cut = event.cut_reason
                    result, note = event, visible(CUT_SENTENCES[cut]) if cut else None
        except SamanthaError as exc:
            # The engine has already stored the user's words and any partial reply.
            self.host.report(exc)
            # The sentence stays in the transcript after the notification has gone.
            note = f"{BROKE_OFF if view.received else NO_REPLY}\n{visible(str(exc))}"
            failed = True
        finally:
            try:
                voice.finish()
                # Also runs on cancellation (Esc): the note says the reply is not whole.
                await view.finish(note, failed=failed)
            finally:
                gc.set_threshold(*thresholds)  # full collections resume, between replies
        if result is not None:
            self._settled(result, view, user)

    def _settled(self, result: TurnResult, view: ReplyMessage, user: UserMessage) -> None:
        user.message_id = result.user_message.id
        user.answered()
        if result.notice:
            self.notify(visible(result.notice), timeout=10, markup=False)
        if result.reply_message is not None:
            view.message_id = result.reply_message.id
        # A reply the program gave itself (a confirmation) had no prompt: nothing to show.
        if result.prompt.budget:
            self._last_turn = result
        self._spoke_first = None
        panel = self.panel
        if panel is not None and panel.display:
            self._show_turn(panel)
            self.refresh_state()

    @property
    def panel(self) -> StatePanel | None:
        """Her state panel, once it has been opened (it is built on first use)."""
        found = self.query("#side")
        return cast("StatePanel", found.first()) if found else None

    def _show_turn(self, panel: StatePanel) -> None:
        if self._last_turn is not None:
            panel.show_recalled(self._last_turn.recalled)
            panel.show_prompt(self._last_turn.prompt)
            panel.show_speed(self._last_turn.timings)
        ground = self._spoke_first.decision.ground if self._spoke_first else None
        if ground is not None:
            panel.show_spoke_first(ground.reason, ground.text)

    @work(exclusive=True, group="state")
    async def refresh_state(self) -> None:
        state = await self.companion.inner_state()
        since = self.companion.clock.now() - TREND_SPAN
        history = await self.companion.state_history(since)
        if self.panel is not None:
            self.panel.show_state(state, history[-TREND_POINTS:])

    # -- stopping, editing, again -------------------------------------------------------------

    def action_stop_reply(self) -> None:
        voice = self.host.voice_session  # None until her settings are read
        if voice is not None:
            voice.barge_in()
        if voice is not None and voice.listening:
            self.run_worker(voice.cancel_talk(), group="talk", exclusive=True)
            self.query_one(PromptInput).border_title = None
            return
        if self.replying:
            self.workers.cancel_group(self, "reply")
            self.workers.cancel_group(self, "greeting")
        elif self.editing is not None:
            self._end_edit()
            self.query_one(PromptInput).clear()

    @on(PromptInput.Typed)
    def _typing(self) -> None:
        """Typing stops her speaking, as it would a person (does nothing when she is quiet)."""
        if self.host.voice_session is not None:
            self.host.voice_session.barge_in()

    @work(exclusive=True, group="talk")
    async def action_talk(self) -> None:
        """Push-to-talk as a toggle (terminals send no key release): press, speak, press."""
        prompt = self.query_one(PromptInput)
        if self.host.voice_session is None:
            return  # F8 in the first instant, before her settings are read
        heard = await self.host.voice_session.talk()
        prompt.border_title = "listening · F8 when done · Esc cancels" if heard.listening else None
        if heard.text:
            prompt.insert(heard.text)
            prompt.focus()
        if heard.note:
            if heard.failed:
                self.notify(visible(heard.note), severity="warning", timeout=6, markup=False)
            else:
                self.notify(visible(heard.note), timeout=6, markup=False)

    def action_mute(self) -> None:
        if self.host.voice_session is not None:
            self.notify(self.host.voice_session.toggle_mute(), timeout=3, markup=False)

    def action_regenerate(self) -> None:
        if self.replying:
            self.notify(STILL_ANSWERING, timeout=4)
            return
        transcript = self.query_one(Transcript)
        user = transcript.last_user()
        if user is None:
            self.notify("There is no reply to regenerate yet: say something first.", timeout=4)
            return
        self._again(user)

    @work(group="again")
    async def _again(self, user: UserMessage) -> None:
        transcript = self.query_one(Transcript)
        await transcript.remove_after(user)
        view = await transcript.start_reply()
        self.reply(self.companion.regenerate, view, user)

    async def action_edit_last(self) -> None:
        await self.edit("")

    async def edit(self, text: str) -> None:
        if self.replying:
            self.notify(STILL_ANSWERING, timeout=4)
            return
        user = self.query_one(Transcript).last_user()
        if user is None:
            self.notify("There is no message of yours to edit yet.", timeout=4)
            return
        if text:
            await self._resend(user, text)
            return
        prompt = self.query_one(PromptInput)
        prompt.load_text(user.text)
        prompt.move_cursor(prompt.document.end)
        prompt.border_title = "editing your last message · Esc cancels"
        prompt.focus()
        self.editing = user
        self.refresh_bindings()

    def _end_edit(self) -> None:
        self.editing = None
        self.query_one(PromptInput).border_title = None
        self.refresh_bindings()

    async def _resend(self, old: UserMessage, text: str) -> None:
        self._end_edit()
        transcript = self.query_one(Transcript)
        await transcript.remove_from(old)
        user = await transcript.add_user(text)
        view = await transcript.start_reply()
        self.reply(lambda: self.companion.edit_last(text), view, user)

    def action_copy_reply(self) -> None:
        reply = self.query_one(Transcript).last_reply()
        if reply is None:
            self.notify("She has not said anything to copy yet.", timeout=4)
            return
        self.app.copy_to_clipboard(reply.received)
        self.notify(f"Copied her last reply ({len(reply.received):,} characters).", timeout=3)

    # -- conversations and the panel ----------------------------------------------------------

    async def action_new_conversation(self) -> None:
        # Let a cancelled reply finish saving into the old conversation before switching.
        await self.stop_and_wait()
        self._end_edit()
        try:
            await self.companion.new_conversation()
        except SamanthaError as exc:
            self.host.report(exc)
            return
        await self.query_one(Transcript).clear()
        await self._hello()
        self.query_one(PromptInput).focus()
        self.notify("A new conversation. The old one is kept.", timeout=3)

    async def action_toggle_panel(self) -> None:
        from samantha.tui.widgets.state_panel import StatePanel

        panel = self.panel
        if panel is None:
            panel = StatePanel(self.companion.persona.name, id="side")
            await self.query_one("#body").mount(panel)
            backend = self.companion.backend
            panel.show_voice(
                backend.name,
                backend.model,
                self.companion.speaks_offline,
                backend.context_window,
            )
        else:
            panel.display = not panel.display
        if panel.display:
            self._show_turn(panel)
            self.refresh_state()
