"""Textual's footer, rebuilt once per change of the keys however often it is told.

Textual's footer rebuilds all of its keys after the next frame each time the screen's bindings
may have changed, and a screen says so several times at once (it is shown, its input takes
focus, then again after that frame): at start-up the chat's footer was rebuilt three times
between its history being mounted and painted, ~27 ms of CPU that delayed that frame. Here
the rebuilds queued for one change after the first are skipped; the first reads the keys as
they are by then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.screen import Screen


class Footer(TextualFooter):
    def __init__(self) -> None:
        super().__init__()
        #: How many times the bindings were said to change, and how many of those the keys
        #: on show were built after.
        self._changes = 0
        self._shown = -1

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._changes += 1
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        if self._shown == self._changes:
            return  # rebuilt already since the last change: the keys are as they are
        self._shown = self._changes
        await super().recompose()
