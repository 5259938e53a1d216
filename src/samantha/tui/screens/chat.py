"""The chat: transcript, input, her state beside it, and every chat action by key, palette or
slash command. Replies stream in a worker (group "reply") that Esc cancels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from samantha.config import PRESETS
from samantha.errors import SamanthaError
from samantha.tui.commands import SlashLine, hint, parse_slash, unslash
from samantha.tui.safe import visible
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine, backend_label
from samantha.tui.widgets.transcript import ReplyMessage, Transcript, UserMessage

# The engine and the other screens load when first needed: the chat paints before them.
if TYPE_CHECKING:
    from samantha.engine import Companion, TurnEvent, TurnResult
    from samantha.tui.app import SamanthaApp
    from samantha.tui.screens.conversations import Picked
    from samantha.tui.screens.onboarding import OnboardingScreen
    from samantha.tui.widgets.state_panel import StatePanel

STOPPED = "(stopped)"
BROKE_OFF = "(the reply broke off; what arrived is saved)"
NO_REPLY = "(no reply)"
STILL_ANSWERING = "She is still answering: press Esc to stop her first."
#: Messages mounted when a conversation opens, and per scroll to the top.
RECENT = 60
EARLIER = 100
#: How far back "jump to a message" digs before giving up (each message is a widget).
REVEAL_LIMIT = 3000
#: The mood trend covers this span, at most this many points.
TREND_SPAN = timedelta(days=7)
TREND_POINTS = 48
#: From this terminal width the state panel starts open.
WIDE = 160

TurnStarter = Callable[[], AsyncIterator["TurnEvent"]]
#: What works before the companion has opened.
EARLY_ACTIONS = {"help", "app.quit", "stop_reply"}


class ChatScreen(Screen[None]):
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
        # Shown in /help, not the footer: every key above fits in 80 columns without it.
        Binding("ctrl+q", "app.quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self, companion: Companion | None, *, cursor_blink: bool = True, greet: bool = True
    ) -> None:
        super().__init__()
        #: None until the app has opened her (the chat paints first); see ``attach``.
        self._companion = companion
        self._cursor_blink = cursor_blink
        #: Ask the engine for an opening line (it knows the time away) when the session opens.
        self._greet_first = greet
        #: The user message being edited with Ctrl+L, until it is resent or Esc.
        self.editing: UserMessage | None = None
        #: The last turn the model answered, for the state panel when it opens.
        self._last_turn: TurnResult | None = None

    @property
    def host(self) -> SamanthaApp:
        return cast("SamanthaApp", self.app)

    @property
    def companion(self) -> Companion:
        if self._companion is None:
            raise RuntimeError("The companion is not open yet.")
        return self._companion

    @property
    def ready(self) -> bool:
        return self._companion is not None

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
            backend.name, backend.model, backend.is_offline
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
            w.node is self and w.group == "reply" and not w.is_finished for w in self.workers
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None keeps a key in the footer, dimmed, so the footer does not jump about.
        if action == "stop_reply" and not self.replying and self.editing is None:
            return None
        if self._companion is None and action not in EARLY_ACTIONS:
            return None
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
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
        await self.query_one(Transcript).show_history(messages, earlier=len(messages) >= RECENT)
        self.host.session_started()
        if first_run:
            answers = await self.app.push_screen_wait(self._onboarding())
            if answers is not None and await self.host.apply_onboarding(answers):
                return  # a new chat screen, for the companion chosen, takes over
            self._greet_first = True
        if self._greet_first:
            self.greet()
        else:
            await self._hello()

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
            await self.query_one(Transcript).add_message(message)
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
        if self.replying:
            # The words stay in the input, ready to send once she has finished.
            self.notify(STILL_ANSWERING, timeout=4)
            return
        text = unslash(event.text)
        prompt.clear()
        if self.editing is not None:
            await self._resend(self.editing, text)
            return
        transcript = self.query_one(Transcript)
        user = await transcript.add_user(text)
        view = await transcript.start_reply()
        self.reply(lambda: self.companion.turn(text), view, user)

    @work(exclusive=True, group="reply")
    async def reply(self, start: TurnStarter, view: ReplyMessage, user: UserMessage) -> None:
        from samantha.engine import ReplyChunk, TurnResult

        note: str | None = STOPPED
        failed = False
        result: TurnResult | None = None
        try:
            async for event in start():
                if isinstance(event, ReplyChunk):
                    await view.add_fragment(event.text)
                elif isinstance(event, TurnResult):
                    result, note = event, None
        except SamanthaError as exc:
            # The engine has already stored the user's words and any partial reply.
            self.host.report(exc)
            # The sentence stays in the transcript after the notification has gone.
            note = f"{BROKE_OFF if view.received else NO_REPLY}\n{visible(str(exc))}"
            failed = True
        finally:
            # Also runs on cancellation (Esc): the note says the reply is not whole.
            await view.finish(note, failed=failed)
        if result is not None:
            self._settled(result, view, user)

    def _settled(self, result: TurnResult, view: ReplyMessage, user: UserMessage) -> None:
        user.message_id = result.user_message.id
        if result.reply_message is not None:
            view.message_id = result.reply_message.id
        # A reply the program gave itself (a confirmation) had no prompt: nothing to show.
        if result.prompt.budget:
            self._last_turn = result
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

    @work(exclusive=True, group="state")
    async def refresh_state(self) -> None:
        state = await self.companion.inner_state()
        since = self.companion.clock.now() - TREND_SPAN
        history = await self.companion.state_history(since)
        if self.panel is not None:
            self.panel.show_state(state, history[-TREND_POINTS:])

    # -- stopping, editing, again -------------------------------------------------------------

    def action_stop_reply(self) -> None:
        if self.replying:
            self.workers.cancel_group(self, "reply")
        elif self.editing is not None:
            self._end_edit()
            self.query_one(PromptInput).clear()

    async def stop_and_wait(self) -> None:
        for worker in self.workers.cancel_group(self, "reply"):
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

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

    # -- conversations ------------------------------------------------------------------------

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

    def action_conversations(self) -> None:
        from samantha.tui.screens.conversations import ConversationsScreen

        self.app.push_screen(ConversationsScreen(self.companion), callback=self._picked)

    def _picked(self, picked: Picked | None) -> None:
        if picked is not None and picked.new:
            self.run_worker(self.action_new_conversation(), group="history", exclusive=True)
        elif picked is not None:
            self.open_conversation(picked.conversation_id, picked.message_id)
        elif self.companion.conversation is None:
            # The open conversation was deleted: carry on with the latest one left.
            self.open_conversation(None)

    @work(exclusive=True, group="history")
    async def open_conversation(
        self, conversation_id: int | None, message_id: int | None = None
    ) -> None:
        await self.stop_and_wait()
        self._end_edit()
        transcript = self.query_one(Transcript)
        try:
            if conversation_id is None:
                await self.companion.resume()
            else:
                await self.companion.open_conversation(conversation_id)
            messages = await self.companion.history(RECENT)
        except SamanthaError as exc:
            self.host.report(exc)
            return
        await transcript.clear()
        await transcript.show_history(messages, earlier=len(messages) >= RECENT)
        if not messages:
            await self._hello()
        if message_id is not None:
            await self._reveal(message_id)
        self.query_one(PromptInput).focus()

    async def _reveal(self, message_id: int) -> None:
        transcript = self.query_one(Transcript)
        loaded = len(transcript.messages)
        found = transcript.find(message_id)
        while found is None and transcript.has_earlier and loaded < REVEAL_LIMIT:
            first = transcript.first_id
            if first is None:
                break
            older = await self.companion.older_messages(first, 500)
            await transcript.show_earlier(older, earlier=len(older) >= 500)
            loaded += len(older)
            found = transcript.find(message_id)
        if found is None:
            self.notify("That message is too far back to show here.", timeout=5)
            return
        transcript.reveal(found)

    @on(Transcript.ReachedTop)
    def reached_top(self) -> None:
        self.load_earlier()

    @work(exclusive=True, group="earlier")
    async def load_earlier(self) -> None:
        transcript = self.query_one(Transcript)
        first = transcript.first_id
        if first is None:
            return
        try:
            older = await self.companion.older_messages(first, EARLIER)
        except SamanthaError as exc:
            self.host.report(exc)
            return
        await transcript.show_earlier(older, earlier=len(older) >= EARLIER)

    # -- the other screens ---------------------------------------------------------------------

    async def action_toggle_panel(self) -> None:
        from samantha.tui.widgets.state_panel import StatePanel

        panel = self.panel
        if panel is None:
            panel = StatePanel(self.companion.persona.name, id="side")
            await self.query_one("#body").mount(panel)
            backend = self.companion.backend
            panel.show_voice(
                backend.name, backend.model, backend.is_offline, backend.context_window
            )
        else:
            panel.display = not panel.display
        if panel.display:
            self._show_turn(panel)
            self.refresh_state()

    def action_help(self) -> None:
        from samantha.tui.screens.help import HelpModal

        self.app.push_screen(HelpModal())

    def action_memories(self, query: str = "") -> None:
        from samantha.tui.screens.memory import MemoryScreen

        self.app.push_screen(MemoryScreen(self.companion, query), callback=self._picked)

    def action_settings(self) -> None:
        from samantha.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.companion), callback=self._settings_saved)

    def _settings_saved(self, update: dict[str, str | None] | None) -> None:
        if update:
            self.host.switch_settings(update)

    # -- slash commands and the palette -------------------------------------------------------

    async def run_slash(self, line: SlashLine) -> None:
        if line.command is None:
            self.notify(hint(line.name), severity="warning", timeout=5, markup=False)
            return
        await self.run_command(line.name, line.argument)

    async def run_command(self, name: str, argument: str = "") -> None:
        match name:
            case "help":
                self.action_help()
            case "mood":
                await self.action_toggle_panel()
            case "conversations":
                self.action_conversations()
            case "memories":
                self.action_memories(argument)
            case "settings":
                self.action_settings()
            case "new":
                await self.action_new_conversation()
            case "regenerate":
                self.action_regenerate()
            case "edit":
                await self.edit(argument)
            case "copy":
                self.action_copy_reply()
            case "forget":
                self.forget(argument)
            case "persona":
                self._persona(argument)
            case "backend":
                self._backend(argument)
            case "context":
                self.show_context(argument)
            case "export":
                self.notify(
                    "To export everything, run `samantha export` in a shell: it writes JSON "
                    "and a Markdown transcript per conversation.",
                    timeout=8,
                    markup=False,
                )
            case "quit":
                await self.app.action_quit()

    @work(group="command")
    async def forget(self, text: str) -> None:
        if not text:
            self.action_memories()
            return
        found = await self.companion.memories(text, 20)
        if not found:
            self.notify(f"She doesn't remember anything matching “{text}”.", markup=False)
            return
        if len(found) > 1:
            self.action_memories(text)
            return
        from samantha.tui.screens.confirm import ConfirmModal

        memory = found[0]
        question = f"Forget “{visible(memory.text)}”? She will not remember it again."
        if await self.app.push_screen_wait(ConfirmModal(question, "Forget")):
            try:
                await self.companion.forget(memory.id)
            except SamanthaError as exc:
                self.host.report(exc)
                return
            self.notify("Forgotten.", timeout=3)

    def _persona(self, name: str) -> None:
        if not name:
            self.action_settings()
        elif name.lower() == self.companion.persona.key:
            self.notify(f"You are already talking with {self.companion.persona.name}.")
        else:
            self.host.switch_settings({"persona": name})

    def _backend(self, name: str) -> None:
        if not name:
            self.action_settings()
            return
        backend = self.companion.backend
        if name not in PRESETS:
            self.notify(
                f"There is no backend called '{name}': choose one of {', '.join(PRESETS)}.",
                severity="warning",
                markup=False,
            )
            return
        if name == backend.name:
            self.notify(f"She is already speaking through {name}.")
            return
        self.host.switch_settings({"backend": name, "model": None, "base_url": None})

    @work(exclusive=True, group="command")
    async def show_context(self, text: str) -> None:
        text = text or self.query_one(PromptInput).text
        try:
            prompt = await self.companion.preview_prompt(text)
        except SamanthaError as exc:
            self.host.report(exc)
            return
        from samantha.tui.screens.context import ContextModal

        self.app.push_screen(ContextModal(prompt, text))
