"""What the command line prints is shown, never obeyed: one sanitiser for every line.

Replies, memories, persona and card text and the sentences quoting them come from models and
strangers. Written raw to a terminal, an escape sequence can set the window title, clear the
screen, write the clipboard (OSC 52) or plant a link (OSC 8), and a NUL, a carriage return or a
right-to-left override can make one line pass for another. Each such character is replaced by
a visible stand-in; the database keeps the text exactly as it was sent.

The replacement is per character, with no state, so a reply streamed in pieces is made safe
piece by piece however an escape sequence is split across them.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

#: C0 controls but tab and newline, DEL, and the C1 controls (0x9B is a one-byte CSI).
_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"
#: Bidirectional controls (embeddings, overrides, isolates, marks): they reorder what
#: follows them on the line, so a name can read as something else.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Line and paragraph separators some terminals and pagers break lines on.
_SEPARATORS = "\u2028\u2029"
#: Lone surrogates cannot be encoded and would crash the write.
_SURROGATES = "\ud800-\udfff"
_UNSAFE = re.compile(f"[{_C0_C1}{_BIDI}{_SEPARATORS}{_SURROGATES}]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture": ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"<U+{code:04X}>"


def shown(text: str) -> str:
    """``text`` with every character that could style, move, clear or reorder the terminal
    replaced by a visible stand-in; tabs and newlines are kept."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_stand_in, text)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line as ``typer.echo`` would, made safe first."""
    write(shown(text) + ("\n" if nl else ""), sys.stderr if err else sys.stdout)


def write(text: str, stream: TextIO) -> None:
    """Write text that is already safe; a terminal whose encoding cannot show a character gets
    an escape for it instead of a crash."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def counted(count: int, one: str, many: str | None = None) -> str:
    """``1 memory``, ``2 memories``: every count the command line prints agrees with it."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
