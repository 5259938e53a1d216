"""Build the real app on the real engine and database, with a scripted backend and no blink."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from samantha.tui.app import SamanthaApp, make_app
from tests.conftest import MakeCompanion

BuildApp = Callable[..., SamanthaApp]


@pytest.fixture
def build_app(make_companion: MakeCompanion) -> BuildApp:
    def build(backend: object | None = None, **settings: object) -> SamanthaApp:
        companion = make_companion(backend, **settings)
        return make_app(companion.settings, companion, cursor_blink=False)

    return build
