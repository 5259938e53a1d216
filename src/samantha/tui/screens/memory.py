"""What she remembers: browse, search, edit or forget, and see the message a memory came from.

Dismisses with a ``Picked`` message to open in the chat (provenance), or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from samantha.errors import SamanthaError
from samantha.memory import Memory, MemoryKind
from samantha.timefmt import humanize
from samantha.tui.safe import visible
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.conversations import Picked, snippet
from samantha.tui.screens.message import MessageModal

if TYPE_CHECKING:
    from samantha.engine import Companion


class MemoryScreen(Screen[Picked | None]):
    DEFAULT_CSS = """
    MemoryScreen {
        & > #title { padding: 0 2; background: $panel; color: $text-muted; }
        & > #about { padding: 0 2; margin-top: 1; height: auto; max-height: 6; color: $text; }
        & > Input { margin: 1 1 0 1; }
        & > OptionList { height: 1fr; margin: 1 1 0 1; border: round $primary 40%; }
        & > OptionList:focus { border: round $primary; }
        & > #detail {
            height: auto;
            max-height: 8;
            margin: 0 1;
            padding: 0 1;
            border: round $panel-lighten-2;
            color: $text;
        }
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f2", "edit", "Edit"),
        Binding("delete,f8", "forget", "Forget"),
        Binding("f3", "source", "Where from"),
        Binding("f4", "about", "About you"),
        Binding("ctrl+f", "search", "Search", show=False),
    ]

    def __init__(self, companion: Companion, query: str = "") -> None:
        super().__init__()
        self.companion = companion
        self.initial_query = query
        self.items: list[Memory] = []
        self.about_user = ""

    def compose(self) -> ComposeResult:
        name = self.companion.persona.name
        yield Static(Content(f"What {name} remembers"), id="title")
        yield Static(Content(""), id="about")
        yield Input(self.initial_query, placeholder="Search her memories…", id="search")
        yield OptionList(id="list")
        yield Static(Content("Nothing selected."), id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load_core()
        self.load(self.initial_query)

    @work(exclusive=True, group="core")
    async def load_core(self) -> None:
        core = await self.companion.core_memory()
        self.about_user = core.about_user
        who = core.user_name or "you"
        text = core.about_user.strip() or "nothing yet (F4 to tell her)"
        self.query_one("#about", Static).update(
            Content.assemble(("About " + visible(who) + ": ", "bold"), visible(text))
        )

    @work(exclusive=True, group="list")
    async def load(self, query: str = "") -> None:
        try:
            found = await self.companion.memories(query or None, limit=300)
        except SamanthaError as exc:
            self._report(exc)
            return
        # Episodes are the raw messages themselves: the conversations screen searches those.
        self.items = [m for m in found if m.kind is not MemoryKind.EPISODE]
        listing = self.query_one(OptionList)
        listing.set_options(self._line(m) for m in self.items)
        if self.items:
            listing.highlighted = 0
        else:
            empty = "Nothing matches." if query else "She has not kept anything yet."
            self.query_one("#detail", Static).update(Content(empty))

    def _line(self, memory: Memory) -> Option:
        head = Content.assemble(
            (f"{memory.kind.value:<10}", "$accent"), f" {memory.importance:>2} "
        )
        return Option(head + Content(snippet(memory.text, 160)), id=str(memory.id))

    def _report(self, exc: SamanthaError) -> None:
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)

    @property
    def selected(self) -> Memory | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]

    @on(OptionList.OptionHighlighted)
    def highlighted(self) -> None:
        memory = self.selected
        if memory is None:
            return
        now = self.companion.clock.now()
        lines = [
            visible(memory.text),
            f"{memory.kind.value}, importance {memory.importance}/10, "
            f"kept {humanize(now - memory.created_at)} ago",
        ]
        if memory.due_at is not None:
            lines.append(f"due {memory.due_at.astimezone():%A %d %B, %H:%M}")
        sources = len(memory.source_ids)
        lines.append(
            f"from {sources} message{'s' if sources != 1 else ''} (F3 shows it)"
            if sources
            else "drawn from several memories, not one message"
        )
        self.query_one("#detail", Static).update(Content("\n".join(lines)))

    @on(OptionList.OptionSelected)
    def chosen(self) -> None:
        self.action_source()

    @on(Input.Changed, "#search")
    def query_changed(self, event: Input.Changed) -> None:
        self.load(event.value.strip())

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one(OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _reload(self) -> None:
        self.load(self.query_one("#search", Input).value.strip())

    @work(group="edit")
    async def action_edit(self) -> None:
        memory = self.selected
        if memory is None:
            return
        text = await self.app.push_screen_wait(
            AskModal("What she should remember instead:", memory.text, multiline=True)
        )
        if text is None or text == memory.text:
            return
        try:
            await self.companion.edit_memory(memory.id, text)
        except SamanthaError as exc:
            self._report(exc)
            return
        self._reload()

    @work(group="edit")
    async def action_forget(self) -> None:
        memory = self.selected
        if memory is None:
            return
        question = f"Forget “{visible(memory.text)}”? She will not remember it again."
        if not await self.app.push_screen_wait(ConfirmModal(question, "Forget")):
            return
        try:
            await self.companion.forget(memory.id)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.notify("Forgotten.", timeout=3)
        self._reload()
        self.load_core()

    @work(group="edit")
    async def action_about(self) -> None:
        text = await self.app.push_screen_wait(
            AskModal("What she knows about you:", self.about_user, multiline=True)
        )
        if text is None:
            return
        await self.companion.set_core_memory("about_user", text)
        self.load_core()

    @work(group="edit")
    async def action_source(self) -> None:
        memory = self.selected
        if memory is None:
            return
        if not memory.source_ids:
            self.notify("This one has no single source: she drew it from several memories.")
            return
        message = await self.companion.message(memory.source_ids[0])
        if message is None:
            self.notify("The message it came from has been deleted; the memory stays.")
            return
        if await self.app.push_screen_wait(MessageModal(message)):
            self.dismiss(Picked(message.conversation_id, message.id))
