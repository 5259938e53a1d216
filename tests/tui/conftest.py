"""Build the real app on the real engine and database, with a scripted backend and no blink.

By default the first-run questions and her opening line (which asks the backend) are off, so a
test's scripted replies go to its own messages; the tests of those flows switch them on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from samantha.backends.base import Backend
from samantha.backends.scripted import ScriptedBackend
from samantha.config import Settings
from samantha.engine import Companion, build_companion
from samantha.engine.duet import Duet
from samantha.tui.app import SamanthaApp, make_app
from tests.conftest import MakeCompanion

BuildApp = Callable[..., SamanthaApp]


@pytest.fixture
def build_app(make_companion: MakeCompanion) -> BuildApp:
    def build(
        backend: object | None = None,
        *,
        onboarding: bool | None = False,
        greet: bool = False,
        duet: tuple[Backend, Backend] | None = None,
        **settings: object,
    ) -> SamanthaApp:
        companion = make_companion(backend, **settings)
        sides = duet or (ScriptedBackend(), ScriptedBackend())

        def open_duet(first: Settings, second: Settings, human: str, current: Companion) -> Duet:
            # Each side speaks through the test's own scripted backend.
            return Duet.open(first, second, backends=sides, clock=current.clock, human=human)

        def reopen(settings: Settings, current: Companion) -> Companion:
            # A switch keeps the scripted backend, so a test can queue her next replies.
            # The app owns (and closes) what this opens.
            return build_companion(settings, backend=current.backend, clock=current.clock)

        return make_app(
            companion.settings,
            companion,
            cursor_blink=False,
            onboarding=onboarding,
            greet=greet,
            open_companion=reopen,
            open_duet=open_duet,
        )

    return build
