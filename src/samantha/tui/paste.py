"""A pasted escape character stays where it was pasted.

Textual's input parser reads an ESC inside a bracketed paste as the start of a key sequence: the
characters after it leave the paste and arrive first, as key presses, and the paste itself
follows, so ``one two \\x1b[2J three`` reaches the input as ``^[2J threeone two`` (and a newline
among them would press Enter). ``PasteSafeParser`` shows such an ESC as its control picture
(``␛``) before the parser sees it: the paste stays one paste, in order, and nothing in it acts
as a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textual._xterm_parser import XTermParser

if TYPE_CHECKING:
    from collections.abc import Iterator

    from textual.message import Message

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC = "\x1b"
#: What an ESC inside a paste becomes (the Unicode picture for ESC, as ``visible`` shows it).
ESC_PICTURE = "\u241b"


class PasteGuard:
    """Rewrites terminal input so that no ESC is left inside a bracketed paste but its end.

    Input arrives in arbitrary pieces; a paste's end marker split across two reads is held
    back until the rest comes. Outside a paste nothing is held back (a lone ESC is the Escape
    key, and must reach the parser at once)."""

    def __init__(self) -> None:
        self.pasting = False
        self._held = ""
        #: The last few characters passed through outside a paste, to find a start marker
        #: split across reads.
        self._tail = ""

    def feed(self, data: str) -> str:
        out: list[str] = []
        data, self._held = self._held + data, ""
        at = 0
        while at < len(data):
            if not self.pasting:
                seen = self._tail + data[at:]
                found = seen.find(PASTE_START)
                if found < 0:
                    out.append(data[at:])
                    self._tail = seen[-(len(PASTE_START) - 1) :]
                    break
                stop = found + len(PASTE_START) - len(self._tail) + at
                out.append(data[at:stop])
                at, self._tail, self.pasting = stop, "", True
                continue
            end = data.find(PASTE_END, at)
            if end >= 0:
                out.append(data[at:end].replace(ESC, ESC_PICTURE) + PASTE_END)
                at, self.pasting = end + len(PASTE_END), False
                continue
            rest = data[at:]
            keep = _partial_end(rest)
            out.append(rest[: len(rest) - keep].replace(ESC, ESC_PICTURE))
            self._held = rest[len(rest) - keep :]
            break
        return "".join(out)


def _partial_end(text: str) -> int:
    """How many characters at the end of ``text`` could begin the paste's end marker."""
    for size in range(min(len(text), len(PASTE_END) - 1), 0, -1):
        if PASTE_END.startswith(text[-size:]):
            return size
    return 0


class PasteSafeParser(XTermParser):
    """Textual's parser, fed through a ``PasteGuard``."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self.guard = PasteGuard()

    def feed(self, data: str) -> Iterable[Message]:
        # An empty feed is the end of input: pass it on as it is.
        return super().feed(self.guard.feed(data) if data else data)


@contextmanager
def paste_safe_input() -> Iterator[None]:
    """Run the app with terminal input read by ``PasteSafeParser``.

    Textual's drivers build their parser by name from their own module; this swaps the name
    for the app's run, and puts it back after."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # Windows: its driver reads keys, not an escape-sequence stream
        yield
        return
    original = getattr(linux_driver, "XTermParser", None)
    if original is None:  # a Textual that reads input some other way: nothing to swap
        yield
        return
    setattr(linux_driver, "XTermParser", PasteSafeParser)  # noqa: B010 (not exported)
    try:
        yield
    finally:
        setattr(linux_driver, "XTermParser", original)  # noqa: B010
