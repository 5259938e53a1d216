"""The Textual application: wiring only. Built by ``make_app`` so tests reuse it.

The app owns the companion it talks through: switching persona or backend opens a new one
(``open_companion``) and closes the old, and the chat screen is replaced by one for the new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from functools import partial

from textual.app import App, SystemCommand
from textual.color import Color, ColorParseError
from textual.screen import Screen

from samantha.config import Settings
from samantha.config_file import Value, write_settings
from samantha.engine import Companion
from samantha.errors import SamanthaError
from samantha.tui.commands import COMMANDS
from samantha.tui.safe import visible
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.onboarding import Answers
from samantha.tui.screens.settings import settings_values

#: Opens a companion for new settings; gets the one in use (to share its clock, say).
OpenCompanion = Callable[[Settings, Companion], Companion]


def open_from_settings(settings: Settings, current: Companion) -> Companion:
    return Companion.open(settings, clock=current.clock)


class SamanthaApp(App[None]):
    CSS_PATH = "samantha.tcss"
    TITLE = "samantha"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        companion: Companion,
        *,
        owns_companion: bool = True,
        cursor_blink: bool = True,
        onboarding: bool | None = None,
        greet: bool = True,
        open_companion: OpenCompanion = open_from_settings,
    ) -> None:
        # Before App.__init__, which reads the CSS variables ($her needs the persona).
        self.companion = companion
        super().__init__()
        #: Close the companion on exit only if we opened it; a caller that passed one in
        #: (a test) may still want to read its database afterwards.
        self.owns_companion = owns_companion
        self.cursor_blink = cursor_blink
        #: None: ask the engine whether this is the first run. True/False: tests decide.
        self.onboarding = onboarding
        self.greet = greet
        self.open_companion = open_companion

    # -- looks ---------------------------------------------------------------------------

    def get_css_variables(self) -> dict[str, str]:
        """``$her``: the persona's accent colour when she has one, the theme's accent if not."""
        variables = super().get_css_variables()
        accent = self.companion.persona.accent_color
        her = variables.get("accent", "ansi_magenta")
        # The persona loader checks colours; one Textual cannot read keeps the theme's accent.
        if accent:
            with suppress(ColorParseError):
                her = Color.parse(accent).hex
        return {**variables, "her": her}

    def on_mount(self) -> None:
        self.title = self.companion.persona.name
        self.push_screen(self._chat())

    def _chat(self, *, introduce: bool = False) -> ChatScreen:
        return ChatScreen(
            self.companion,
            cursor_blink=self.cursor_blink,
            greet=self.greet or introduce,
        )

    async def on_unmount(self) -> None:
        if self.owns_companion:
            await self.companion.aclose()

    # -- the command palette -------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
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
        settings = self.companion.settings.model_copy(update=settings_values(update))
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
        if owned:
            await old.aclose()

    def report(self, exc: SamanthaError) -> None:
        # The sentence can quote a server's words: show them as typed, never as markup.
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)


def make_app(
    settings: Settings,
    companion: Companion | None = None,
    *,
    cursor_blink: bool = True,
    onboarding: bool | None = None,
    greet: bool = True,
    open_companion: OpenCompanion = open_from_settings,
) -> SamanthaApp:
    """Build the app; tests pass their own companion (theirs to close), switch the cursor
    blink off, and say whether the first-run questions and her opening greeting happen."""
    return SamanthaApp(
        companion or Companion.open(settings),
        owns_companion=companion is None,
        cursor_blink=cursor_blink,
        onboarding=onboarding,
        greet=greet,
        open_companion=open_companion,
    )


def run_app(settings: Settings) -> None:
    make_app(settings).run()
