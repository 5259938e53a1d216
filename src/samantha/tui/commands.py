"""Every chat action by name: one table feeds the slash commands, the palette and /help."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    #: How it reads in the command palette.
    title: str
    help: str
    #: What may follow the name, as /help shows it ("" for nothing).
    argument: str = ""
    #: The key that does the same in the chat, as the footer and /help show it.
    key: str = ""


COMMANDS: tuple[Command, ...] = (
    Command("help", "Help", "Keys and slash commands", key="f1"),
    Command("mood", "Her state", "Show or hide her mood, bond and memory panel", key="f2"),
    Command("conversations", "Conversations", "List, search, resume, rename, delete", key="f3"),
    Command("memories", "Memories", "Browse, search, edit or forget what she remembers", key="f4"),
    Command("settings", "Settings", "Companion and backend, with a connection test", key="f5"),
    Command("duet", "Duet", "Let two companions talk; watch, pause, or step in", "[name]", "f6"),
    Command(
        "new", "New conversation", "Start a fresh conversation (the old one is kept)", key="ctrl+n"
    ),
    Command("regenerate", "Regenerate", "Ask her to answer your last message again", key="ctrl+r"),
    Command(
        "voice", "Voice", "Speak her replies aloud; mute; volume", "[on|off|mute|unmute|volume N]"
    ),
    Command(
        "edit",
        "Edit last message",
        "Change your last message and send it again",
        "[text]",
        "ctrl+l",
    ),
    Command("copy", "Copy reply", "Copy her last reply to the clipboard", key="ctrl+o"),
    Command("forget", "Forget", "Forget a memory matching the words (or pick one)", "[text]"),
    Command("persona", "Switch companion", "Talk to someone else", "[name]"),
    Command("backend", "Backend", "Pick and test the model she speaks with", "[name]"),
    Command("context", "Context", "What she would be sent now, section by section", "[text]"),
    Command("write", "Write something", "A letter, poem, song, toast or note she makes", "[what]"),
    Command("keepsakes", "Keepsakes", "What she wrote for you: read, revise, export, delete"),
    Command("diary", "Her diary", "Her entry for today, and the days before"),
    Command("export", "Export", "Save everything she keeps to a file"),
    Command("quit", "Quit", "Close samantha (everything is saved)", key="ctrl+q"),
)
BY_NAME = {command.name: command for command in COMMANDS}


@dataclass(frozen=True)
class SlashLine:
    """A line the user typed that starts with a slash."""

    name: str
    argument: str
    command: Command | None


def parse_slash(text: str) -> SlashLine | None:
    """A slash command, or None for an ordinary message ('//' sends a literal leading slash)."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    if not head or "/" in head:
        return None  # "/" alone or a path like /usr/bin: words, not a command
    name = head.lower()
    return SlashLine(name, rest.strip(), BY_NAME.get(name))


def unslash(text: str) -> str:
    """The message a '//'-escaped line sends."""
    stripped = text.lstrip()
    return stripped[1:] if stripped.startswith("//") else text


def hint(name: str) -> str:
    """The one-line answer to an unknown command."""
    close = difflib.get_close_matches(name, BY_NAME, n=1)
    guess = f" Did you mean /{close[0]}?" if close else ""
    return f"There is no /{name} command.{guess} Type /help for the list."
