"""Every conversation with her: resume, start new, rename, delete, and search all of them.

Dismisses with what to open (``Picked``) or None; the engine does the work, this screen lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from samantha.domain.conversation import ConversationSummary, Message, Role
from samantha.errors import SamanthaError
from samantha.timefmt import humanize
from samantha.tui.safe import visible
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.confirm import ConfirmModal

if TYPE_CHECKING:
    from samantha.engine import Companion

#: A line of a list: enough to recognise a message, never a flood.
SNIPPET = 100


@dataclass(frozen=True)
class Picked:
    """What the chat should open: a conversation (at a message), or a new one."""

    conversation_id: int | None
    message_id: int | None = None
    new: bool = False


def snippet(text: str, limit: int = SNIPPET) -> str:
    line = " ".join(text.split())
    return visible(line if len(line) <= limit else line[: limit - 1] + "…")


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "nothing said yet"
    return f"{humanize(now - moment)} ago"


class SearchBox(Input):
    """The search line, focused on open so typing searches at once. Delete with nothing
    right of the cursor deletes the highlighted conversation, as it does from the list."""

    def action_delete_right(self) -> None:
        screen = self.screen
        if self.cursor_position >= len(self.value) and isinstance(screen, ConversationsScreen):
            screen.action_delete()
        else:
            super().action_delete_right()


class ConversationsScreen(Screen[Picked | None]):
    DEFAULT_CSS = """
    ConversationsScreen {
        & > #title { padding: 0 2; background: $panel; color: $text-muted; }
        & > Input { margin: 1 1 0 1; }
        & > OptionList { height: 1fr; margin: 1 1 0 1; border: round $primary 40%; }
        & > OptionList:focus { border: round $primary; }
        /* The line Enter opens stands out as a full cursor, not the faint unfocused one,
           whether the list or the search box has focus. */
        & > OptionList > .option-list--option-highlighted {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > #hint { padding: 0 2; color: $text-muted; height: auto; }
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "new", "New"),
        Binding("f2", "rename", "Rename"),
        Binding("delete,f8", "delete", "Delete"),
        Binding("ctrl+f", "search", "Search", show=False),
        # From the search box the arrows still walk the list (the box has no use for them).
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
    ]

    def __init__(self, companion: Companion) -> None:
        super().__init__()
        self.companion = companion
        self.summaries: list[ConversationSummary] = []

    def compose(self) -> ComposeResult:
        name = self.companion.persona.name
        yield Static(Content(f"Conversations with {name}"), id="title")
        yield SearchBox(placeholder="Search everything you have said to each other…", id="search")
        yield OptionList(id="list")
        yield Static(Content(""), id="hint")
        yield Footer()

    def on_mount(self) -> None:
        # Typing searches straight away; arrows, Enter and the keys below work from here.
        self.query_one("#search", Input).focus()
        self.load()

    @property
    def searching(self) -> bool:
        return bool(self.query_one("#search", Input).value.strip())

    @work(exclusive=True, group="list")
    async def load(self) -> None:
        try:
            self.summaries = await self.companion.list_conversations()
        except SamanthaError as exc:
            self._report(exc)
            return
        if not self.searching:
            self._show_summaries()

    def _show_summaries(self) -> None:
        now = self.companion.clock.now()
        current = self.companion.conversation.id if self.companion.conversation else None
        options = []
        for talk in self.summaries:
            c = talk.conversation
            title = visible(c.title) if c.title else "Untitled"
            mark = "  (open)" if c.id == current else ""
            count = f"{talk.message_count:,} message" + ("" if talk.message_count == 1 else "s")
            head = Content.assemble((title, "bold"), (mark, "$accent"))
            detail = f"\n  {count} · {ago(talk.last_at, now)}"
            if talk.last_text:
                detail += f"\n  {snippet(talk.last_text)}"
            options.append(Option(head + Content(detail), id=f"c{c.id}"))
        listing = self.query_one(OptionList)
        listing.set_options(options)
        if options:
            index = next(
                (i for i, t in enumerate(self.summaries) if t.conversation.id == current), 0
            )
            listing.highlighted = index
        self._hint(
            "Enter opens · Ctrl+N new · F2 rename · Delete deletes · type above to search"
            if options
            else "No conversations yet. Ctrl+N starts one."
        )

    def _hint(self, text: str) -> None:
        self.query_one("#hint", Static).update(Content(text))

    def _report(self, exc: SamanthaError) -> None:
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)

    # -- search -------------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def query_changed(self) -> None:
        if self.searching:
            self.search(self.query_one("#search", Input).value)
        else:
            self._show_summaries()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        """Enter in the search box opens the highlighted line, as Enter in the list does."""
        self.opened()

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted
            start = (-1 if step > 0 else listing.option_count) if current is None else current
            listing.highlighted = max(0, min(listing.option_count - 1, start + step))

    @work(exclusive=True, group="search")
    async def search(self, query: str) -> None:
        try:
            found = await self.companion.search_messages(query, limit=100)
        except SamanthaError as exc:
            self._report(exc)
            return
        titles = {t.conversation.id: t.conversation.title or "Untitled" for t in self.summaries}
        listing = self.query_one(OptionList)
        listing.set_options(self._hit(m, titles) for m in found)
        if found:
            listing.highlighted = 0
        self._hint(
            f"{len(found)} message{'s' if len(found) != 1 else ''} found · Enter opens it in place"
            if found
            else "Nothing found."
        )

    def _hit(self, message: Message, titles: dict[int, str]) -> Option:
        who = "you" if message.role is Role.USER else message.speaker
        title = visible(titles.get(message.conversation_id, "Untitled"))
        when = ago(message.created_at, self.companion.clock.now())
        head = Content.assemble((title, "bold"), f" · {when}")
        return Option(
            head + Content(f"\n  {visible(who)}: {snippet(message.text)}"),
            id=f"m{message.id}:{message.conversation_id}",
        )

    # -- actions ------------------------------------------------------------------------------

    def _selected(self) -> tuple[int | None, int | None]:
        """(conversation id, message id) of the highlighted line."""
        option = self.query_one(OptionList).highlighted_option
        if option is None or option.id is None:
            return None, None
        if option.id.startswith("c"):
            return int(option.id[1:]), None
        message, conversation = option.id[1:].split(":")
        return int(conversation), int(message)

    @on(OptionList.OptionSelected)
    def opened(self) -> None:
        conversation, message = self._selected()
        if conversation is not None:
            self.dismiss(Picked(conversation, message))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_new(self) -> None:
        self.dismiss(Picked(None, new=True))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _summary(self, conversation_id: int) -> ConversationSummary | None:
        return next((t for t in self.summaries if t.conversation.id == conversation_id), None)

    @work(group="edit")
    async def action_rename(self) -> None:
        conversation, _ = self._selected()
        talk = self._summary(conversation) if conversation is not None else None
        if talk is None:
            return
        title = await self.app.push_screen_wait(
            AskModal("A title for this conversation:", talk.conversation.title)
        )
        if title is None:
            return
        try:
            await self.companion.rename_conversation(talk.conversation.id, title)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.load()

    @work(group="edit")
    async def action_delete(self) -> None:
        conversation, _ = self._selected()
        talk = self._summary(conversation) if conversation is not None else None
        if talk is None:
            return
        title = talk.conversation.title or "this untitled conversation"
        question = (
            f"Delete “{visible(title)}” and its {talk.message_count:,} messages? "
            "What she learned only from it goes too. This cannot be undone."
        )
        if not await self.app.push_screen_wait(ConfirmModal(question)):
            return
        try:
            removed = await self.companion.delete_conversation(talk.conversation.id)
        except SamanthaError as exc:
            self._report(exc)
            return
        went = f"; {removed} memories went with it" if removed else ""
        self.notify(f"Deleted{went}.", timeout=4)
        self.load()
