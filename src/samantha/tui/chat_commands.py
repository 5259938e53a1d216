"""Where the chat leads, by key, palette or slash command: other conversations (the recent end
first, older messages on scroll-up, a found message revealed), memories, settings, help, and
/forget, /persona, /backend, /context, /export. ``ChatScreen`` builds on this; a turn and its
streaming live there."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from samantha.config import PRESETS
from samantha.errors import SamanthaError
from samantha.tui.commands import SlashLine, hint
from samantha.tui.safe import visible
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.transcript import Transcript

# The engine and the other screens load when first needed: the chat paints before them.
if TYPE_CHECKING:
    from samantha.engine import Companion
    from samantha.tui.app import SamanthaApp
    from samantha.tui.screens.conversations import Picked

#: Messages mounted when a conversation opens, and per scroll to the top.
RECENT = 60
EARLIER = 100
#: How far back "jump to a message" digs before giving up (each message is a widget).
REVEAL_LIMIT = 3000


class ChatCommands(Screen[None]):
    """The chat screen's commands; ``ChatScreen`` is its one subclass."""

    # Textual merges these with ChatScreen's own. Priority: the input's TextArea would take
    # F6 for "select line", which Shift+Home/End already do.
    BINDINGS = [Binding("f6", "duet", "Duet", show=False, priority=True)]

    def __init__(self, companion: Companion | None) -> None:
        super().__init__()
        #: None until the app has opened her (the chat paints first); see ``attach``.
        self._companion = companion

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

    async def stop_and_wait(self) -> None:
        """Stop a reply and let it save what arrived before anything else changes."""
        for worker in self.workers.cancel_group(self, "reply"):
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    # -- what ChatScreen provides ------------------------------------------------------------

    async def action_new_conversation(self) -> None:
        raise NotImplementedError

    async def action_toggle_panel(self) -> None:
        raise NotImplementedError

    def action_regenerate(self) -> None:
        raise NotImplementedError

    def action_copy_reply(self) -> None:
        raise NotImplementedError

    async def edit(self, text: str) -> None:
        raise NotImplementedError

    def _end_edit(self) -> None:
        raise NotImplementedError

    async def _hello(self) -> None:
        raise NotImplementedError

    # -- conversations ------------------------------------------------------------------------

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
        await transcript.filled()
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

    def action_help(self) -> None:
        from samantha.tui.screens.help import HelpModal

        self.app.push_screen(HelpModal())

    def action_memories(self, query: str = "") -> None:
        from samantha.tui.screens.memory import MemoryScreen

        self.app.push_screen(MemoryScreen(self.companion, query), callback=self._picked)

    def action_duet(self, partner: str = "") -> None:
        from samantha.tui.screens.duet import DuetScreen

        self.app.push_screen(DuetScreen(self.companion, partner))

    def action_keepsakes(self, request: str = "", *, diary: bool = False) -> None:
        from samantha.tui.screens.keepsakes import KeepsakesScreen

        self.app.push_screen(KeepsakesScreen(self.companion, request, diary=diary))

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
            case "duet":
                self.action_duet(argument)
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
            case "write" | "keepsakes" | "diary":
                self.action_keepsakes(argument if name == "write" else "", diary=name == "diary")
            case "export":
                self.notify(
                    "To export everything, run `samantha export` in a shell: it writes JSON "
                    "and a Markdown transcript per conversation.",
                    timeout=8,
                    markup=False,
                )
            case "voice":
                self.notify(visible(await self.host.voice.command(argument)), markup=False)
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
