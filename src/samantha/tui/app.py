"""The Textual application: wiring only. Built by ``make_app`` so tests reuse it.

The app owns the companion it talks through: switching persona or backend opens a new one
(``open_companion``) and closes the old, and the chat screen is replaced by one for the new.

Started from settings, the chat paints first and the companion (the engine, the persona,
the database: most of the start-up time) opens in a thread meanwhile; the input takes
typing from the first frame. Right after that frame the app glances at her newest messages
(``engine.glance``: one read-only query, none of the engine, a few milliseconds on the loop)
and paints them; only after that frame does the opening start, so its imports do not compete
with it for the GIL.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.color import Color, ColorParseError
from textual.screen import Screen

from samantha.config.file import Value, as_fields, write_settings
from samantha.errors import SamanthaError
from samantha.tui.chat_commands import RECENT
from samantha.tui.commands import COMMANDS
from samantha.tui.safe import visible
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from samantha.config import Settings
    from samantha.engine import Companion
    from samantha.engine.duet import Duet
    from samantha.speech.session import VoiceSession
    from samantha.tui.screens.onboarding import Answers

#: Opens a companion for settings; gets the one in use, if any (to share its clock, say).
OpenCompanion = Callable[["Settings", "Companion | None"], "Companion"]
#: Reads the settings (flags, environment, config file) when they were not given up front.
LoadSettings = Callable[[], "Settings"]


#: Opens a duet between two personas (settings for each), for the user named, beside the
#: companion in use (whose clock it shares).
OpenDuet = Callable[["Settings", "Settings", str, "Companion"], "Duet"]


#: Duets being closed after a stop during their opening (kept so they are not collected).
_CLOSING: set[asyncio.Future[None]] = set()


def _close_unused(opening: asyncio.Future[Duet]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        closing = asyncio.ensure_future(opening.result().aclose())
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)


def open_from_settings(settings: Settings, current: Companion | None) -> Companion:
    from samantha.engine import Companion

    return Companion.open(settings, clock=current.clock if current else None)


def open_duet_from_settings(
    first: Settings, second: Settings, human: str, current: Companion
) -> Duet:
    from samantha.engine.duet import Duet

    return Duet.open(first, second, clock=current.clock, human=human)


class SamanthaApp(App[None]):
    CSS_PATH = "samantha.tcss"
    TITLE = "samantha"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        companion: Companion | None,
        *,
        settings: Settings | None = None,
        load_settings: LoadSettings | None = None,
        owns_companion: bool = True,
        cursor_blink: bool = True,
        onboarding: bool | None = None,
        greet: bool = True,
        open_companion: OpenCompanion = open_from_settings,
        open_duet: OpenDuet = open_duet_from_settings,
        settle_heap: bool = False,
        persona_hint: str | None = None,
    ) -> None:
        # Before App.__init__, which reads the CSS variables ($her needs the persona).
        self._companion = companion
        super().__init__()
        #: What to open a companion from when none was given: these settings, or what
        #: ``load_settings`` reads in the opening thread (pydantic-settings takes a sixth of a
        #: second to import: the first frame does not wait for it).
        self.settings = settings or (companion.settings if companion else None)
        self.load_settings = load_settings
        #: The persona flag, when one was given: what the glance at her newest messages
        #: looks for before the settings are read (see ``_glance``).
        self.persona_hint = persona_hint
        #: The ids of the messages the glance painted, until the chat's session takes them
        #: (``take_glanced``): it does not paint the same messages again.
        self._glanced: list[int] = []
        #: Close the companion on exit only if we opened it; a caller that passed one in
        #: (a test) may still want to read its database afterwards.
        self.owns_companion = owns_companion
        self.cursor_blink = cursor_blink
        #: None: ask the engine whether this is the first run. True/False: tests decide.
        self.onboarding = onboarding
        self.greet = greet
        self.open_companion = open_companion
        self.open_duet = open_duet
        #: Freeze the start-up heap once the session is open (see ``_warm``).
        self.settle_heap = settle_heap
        if settle_heap:
            # What the imports made (Textual, Rich, the chat) lives as long as the process:
            # out of the collector's sight at once, the full collection that start-up
            # triggers no longer walks it (~10-15 ms CPU before her history is painted).
            gc.freeze()
        self._warmed = False
        #: Set once what the first reply needs (the backend's client library, the tokenizer,
        #: the Markdown widget) has been loaded off the event loop; see ``warmed``.
        self._warm_done = asyncio.Event()
        #: Her voice and ears (off until /voice on or `voice = true`); never fails the chat.
        #: Made with the settings, so None until they are read.
        self.voice_session: VoiceSession | None = None
        if self.settings is not None:
            self._make_voice(self.settings)
        #: Why the companion could not be opened, if it could not.
        self.open_error: SamanthaError | None = None
        #: The theme she opens in: the one you picked last time (saved when you leave).
        self._saved_theme = self._wanted_theme()
        self._start_theme: str | None = None

    # -- looks ---------------------------------------------------------------------------

    def get_css_variables(self) -> dict[str, str]:
        """``$her``: the persona's accent colour when she has one, the theme's accent if not."""
        variables = super().get_css_variables()
        accent = self._companion.persona.accent_color if self._companion else None
        her = variables.get("accent", "ansi_magenta")
        # The persona loader checks colours; one Textual cannot read keeps the theme's accent.
        if accent:
            with suppress(ColorParseError):
                her = Color.parse(accent).hex
        return {**variables, "her": her}

    @property
    def companion(self) -> Companion:
        """The companion in use; screens ask for it only once the chat has it."""
        if self._companion is None:
            raise RuntimeError("The companion is not open yet.")
        return self._companion

    @companion.setter
    def companion(self, companion: Companion) -> None:
        self._companion = companion

    def _wanted_theme(self) -> str | None:
        if self.settings is not None:
            return self.settings.theme
        from samantha.config import peek_setting

        return peek_setting("theme")

    def on_mount(self) -> None:
        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme
        # Compared on the way out, so a theme is saved only when it was changed.
        self._start_theme = self.theme
        chat = self._chat()
        self.push_screen(chat)
        if self._companion is None:
            # After the chat's first frame, her newest messages, then her opening: the import
            # and open would compete with those frames for the GIL. (The app's own
            # call_after_refresh waited for a second frame, which came only with the cursor's
            # blink or the first key.)
            chat.call_after_refresh(
                lambda: self.run_worker(self._glance(chat), group="glance", exit_on_error=False)
            )
        else:
            self.title = self._companion.persona.name

    def _make_voice(self, settings: Settings) -> VoiceSession:
        from samantha.speech.session import VoiceSession

        self.voice_session = VoiceSession(settings, None, on_error=self._voice_failed)
        return self.voice_session

    @property
    def voice(self) -> VoiceSession:
        """Her voice; asked for only once the companion (and so the settings) is open."""
        if self.voice_session is None:
            raise RuntimeError("The voice is not ready yet.")
        return self.voice_session

    def _open(self) -> None:
        try:
            if self.settings is None:
                from samantha.config import load_settings

                self.settings = (self.load_settings or load_settings)()
            companion = self.open_companion(self.settings, None)
        except SamanthaError as exc:
            # run_app raises it once the terminal is back, for the CLI to say as usual.
            self.open_error = exc
            self.call_from_thread(self.exit, return_code=exc.exit_code)
            return
        self.call_from_thread(self._opened, companion)

    async def _glance(self, chat: ChatScreen) -> None:
        """On the loop, right after the chat's first frame: read her newest messages (one
        read-only query, a few milliseconds, and no hand-off to a thread that a loaded
        machine would be slow to schedule) and paint them; then, after that frame, open her
        in a thread. Nothing found, or nothing readable yet, and her history comes with her."""
        from samantha.engine.glance import DEFAULT_PERSONA, newest_messages

        painting = False
        try:
            if self.settings is not None:
                persona = self.settings.persona
            else:
                from samantha.config import peek_setting

                persona = self.persona_hint or peek_setting("persona") or DEFAULT_PERSONA
            messages = newest_messages(persona, RECENT)
            if messages and not chat.ready and chat.is_attached:
                # Older messages load on scroll-up once she is open: the chat says so then.
                await chat.query_one(Transcript).show_history(messages)
                self._glanced = [m.id for m in messages]
                painting = True
        finally:
            open_her = partial(self.run_worker, self._open, thread=True, group="open")
            if painting:
                # After that frame: the opening's imports would compete with it for the GIL.
                chat.call_after_refresh(open_her)
            else:
                open_her()

    async def take_glanced(self) -> list[int]:
        """The ids of the messages on screen from the glance (once: a chat screen made later
        starts empty). The glance has always ended by then: she opens after it."""
        glanced, self._glanced = self._glanced, []
        return glanced

    def _voice_failed(self, error: Exception) -> None:
        self.notify(visible(str(error)), severity="warning", timeout=6, markup=False)

    @work(group="voice", exclusive=True)
    async def voice_for(self, companion: Companion) -> None:
        """Give the voice this companion's settings and persona (her voice per engine)."""
        reason = await self.voice.switch(companion.settings, companion.persona)
        if reason:
            self.notify(visible(reason), severity="warning", timeout=6, markup=False)

    def _opened(self, companion: Companion) -> None:
        if self.voice_session is None:
            self._make_voice(companion.settings)
        self.voice_for(companion)
        self._companion = companion
        self.title = companion.persona.name
        self.refresh_css()
        chat = next((s for s in self.screen_stack if isinstance(s, ChatScreen)), None)
        if chat is not None:
            chat.attach(companion)

    def session_started(self) -> None:
        """The chat is on screen with its history: get ready for the first reply."""
        if not self._warmed:
            self._warmed = True
            # After the history's frame: the thread's imports would compete with it for the GIL.
            self.call_after_refresh(self.run_worker, self._warm, thread=True, group="warm")

    async def warmed(self) -> None:
        """Wait (without blocking the loop) until the warm-up has loaded what a reply needs.
        A reply sent in the first instant waits here instead of importing the client library
        on the event loop, or stalling it on the import lock the warm-up thread holds."""
        if self._warmed:
            await self._warm_done.wait()

    def _warm(self) -> None:
        """Load, in a thread while the user reads and types, everything the first reply
        would otherwise load on the event loop (a stall of most of a second)."""
        try:
            # What a streaming reply is drawn with (Rich's Markdown, markdown-it, a highlighter).
            from samantha.tui.widgets.reply_stream import warm

            warm()

            if self._companion is not None:
                # The backend's client library and the tokenizer. A failure here is met (and
                # said properly) by the first reply instead.
                with suppress(Exception):
                    self._companion.warm_up()
        finally:
            self.call_from_thread(self._warm_done.set)
        if self.settle_heap:
            self.call_from_thread(self._freeze)

    def _freeze(self) -> None:
        """Move everything start-up made out of the collector's sight: a full collection
        then only walks what the session adds, and never stalls a streaming reply for a
        tenth of a second. Once per process (``run_app``), never in tests."""
        gc.collect()
        gc.freeze()

    def _chat(self, *, introduce: bool = False) -> ChatScreen:
        return ChatScreen(
            self._companion,
            cursor_blink=self.cursor_blink,
            greet=self.greet or introduce,
        )

    def _save_theme(self) -> None:
        """Remember a theme picked in the palette for next time (one write, on the way out)."""
        if self._start_theme is None or self.theme == self._start_theme:
            return
        # A theme is not worth an error on the way out (a read-only config folder, say).
        with suppress(SamanthaError, OSError):
            write_settings({"theme": self.theme})

    async def on_unmount(self) -> None:
        self._save_theme()  # never raises
        if self.voice_session is not None:
            await self.voice_session.aclose()
        if self.owns_companion and self._companion is not None:
            await self._companion.aclose()

    # -- the command palette -------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen) and screen.ready:
            for command in COMMANDS:
                if command.name != "quit":
                    run = partial(screen.run_command, command.name, "")
                    yield SystemCommand(command.title, command.help, run)

    # -- first run -------------------------------------------------------------------------------

    async def wants_onboarding(self, companion: Companion) -> bool:
        """First run: no name for the user yet and not a word said to anyone."""
        if self.onboarding is not None:
            return self.onboarding
        core = await companion.core_memory()
        if core.user_name:
            return False
        talks = await companion.list_conversations(limit=20)
        return all(talk.message_count == 0 for talk in talks)

    async def apply_onboarding(self, answers: Answers) -> bool:
        """Store what the user said about themselves and save their choices; True when that
        meant a new companion (the chat screen is being replaced)."""
        self.onboarding = False
        update: dict[str, Value] = {"persona": answers.persona, "backend": answers.backend}
        changed = {k: v for k, v in update.items() if getattr(self.companion.settings, k) != v}
        if answers.backend != self.companion.settings.backend:
            # A different backend starts from its preset's model and address.
            update.update(model=None, base_url=None)
            changed.update(model=None, base_url=None)
        target = self.companion
        try:
            write_settings(update)
            if changed:
                target = self.open_companion(
                    self.companion.settings.model_copy(update=changed), self.companion
                )
            if answers.name:
                await target.set_user_name(answers.name)
            if answers.about:
                await target.set_core_memory("about_user", answers.about)
        except SamanthaError as exc:
            self.report(exc)
        if target is self.companion:
            return False
        # An app worker, not the caller's: swapping removes the screen the caller runs on.
        self.run_worker(self._swap(target, introduce=True), group="switch", exclusive=True)
        return True

    # -- switching companion ------------------------------------------------------------------

    def switch_settings(self, update: Mapping[str, Value], *, save: bool = True) -> None:
        """Talk through a companion with these settings changed (persona, backend, model)."""
        self.run_worker(self._switch(dict(update), save), group="switch", exclusive=True)

    async def _switch(self, update: dict[str, Value], save: bool) -> None:
        settings = self.companion.settings.model_copy(update=as_fields(update))
        try:
            # Opening first: a persona that does not exist leaves everything as it was.
            fresh = self.open_companion(settings, self.companion)
            if save:
                write_settings(update)
        except SamanthaError as exc:
            self.report(exc)
            return
        await self._swap(fresh, introduce=fresh.persona.key != self.companion.persona.key)
        self.notify(f"Now talking with {fresh.persona.name}.", timeout=3, markup=False)

    async def _swap(self, fresh: Companion, *, introduce: bool) -> None:
        old, owned = self.companion, self.owns_companion
        chat = next((s for s in self.screen_stack if isinstance(s, ChatScreen)), None)
        if chat is not None:
            await chat.stop_and_wait()
        self.companion, self.owns_companion = fresh, True
        self.title = fresh.persona.name
        self.refresh_css()
        # Back to the chat screen (closing any settings screen on top), then replace it.
        while len(self.screen_stack) > 2:
            self.pop_screen()
        await self.switch_screen(self._chat(introduce=introduce))
        self.voice_for(fresh)
        if owned:
            await old.aclose()

    # -- duets ---------------------------------------------------------------------------------

    async def start_duet(
        self, first: str, second: str, human: str, offline: tuple[bool, bool] = (False, False)
    ) -> Duet:
        """Two companions (persona keys) speaking through your backend settings, or either
        through the offline voice, opened off the event loop (persona files, the database)."""
        settings = self.companion.settings
        offline_voice = {"backend": "offline", "model": None, "base_url": None}
        sides = [
            settings.model_copy(update={"persona": key, **(offline_voice if off else {})})
            for key, off in zip((first, second), offline, strict=True)
        ]
        opening = asyncio.ensure_future(
            asyncio.to_thread(self.open_duet, sides[0], sides[1], human, self.companion)
        )
        try:
            return await asyncio.shield(opening)
        except asyncio.CancelledError:
            # Stopped while opening: the thread carries on, so close what it opens.
            opening.add_done_callback(_close_unused)
            raise

    def report(self, exc: SamanthaError) -> None:
        # The sentence can quote a server's words: show them as typed, never as markup.
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)


def make_app(
    settings: Settings | None,
    companion: Companion | None = None,
    *,
    load_settings: LoadSettings | None = None,
    cursor_blink: bool = True,
    onboarding: bool | None = None,
    greet: bool = True,
    open_companion: OpenCompanion = open_from_settings,
    open_duet: OpenDuet = open_duet_from_settings,
    settle_heap: bool = False,
    persona_hint: str | None = None,
) -> SamanthaApp:
    """Build the app; tests pass their own companion (theirs to close), switch the cursor
    blink off, and say whether the first-run questions and her opening greeting happen.
    Without settings, ``load_settings`` (the config's by default) reads them after the first
    frame; ``persona_hint`` is the persona flag, if any, for the glance at her history."""
    return SamanthaApp(
        companion,
        settings=settings,
        load_settings=load_settings,
        owns_companion=companion is None,
        cursor_blink=cursor_blink,
        onboarding=onboarding,
        greet=greet,
        open_companion=open_companion,
        open_duet=open_duet,
        settle_heap=settle_heap,
        persona_hint=persona_hint,
    )


def run_app(settings: Settings | LoadSettings, *, persona_hint: str | None = None) -> None:
    """Run the chat. Given a loader, the settings are read after the first frame; a bad
    config file is then said by the CLI once the terminal is restored, as before.
    ``persona_hint``: the persona flag, which the loader will read (see ``make_app``)."""
    if callable(settings):
        app = make_app(None, load_settings=settings, settle_heap=True, persona_hint=persona_hint)
    else:
        app = make_app(settings, settle_heap=True)
    from samantha.tui.paste import paste_safe_input

    with paste_safe_input():
        app.run()
    if app.open_error is not None:
        raise app.open_error
