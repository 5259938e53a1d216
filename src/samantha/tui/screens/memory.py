"""What she remembers: browse, search, edit or forget, and see the message a memory came from;
and, on the Diary tab, her diary to read, edit and delete.

Dismisses with a ``Picked`` message to open in the chat (provenance), or None.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static, TabbedContent, TabPane
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
    from samantha.store.keepsakes import DiaryEntry

#: The tabs' ids: her memories, and her diary.
MEMORIES = "memories"
DIARY = "diary"
#: What a marked entry says: a message it was written from has been forgotten since.
MARKED = "a message it drew on was forgotten"
#: Actions that only mean something for a memory.
MEMORY_ONLY = {"source", "about", "search"}


class MemoryScreen(Screen[Picked | None]):
    DEFAULT_CSS = """
    MemoryScreen {
        & > TabbedContent { height: 1fr; }
        & ContentSwitcher { height: 1fr; }
        & TabPane { height: 1fr; padding: 0; }
        & #about { padding: 0 2; margin-top: 1; height: auto; max-height: 6; color: $text; }
        & Input { margin: 1 1 0 1; }
        & OptionList { height: 1fr; margin: 1 1 0 1; border: round $primary 40%; }
        & OptionList:focus { border: round $primary; }
        & #detail {
            height: auto;
            max-height: 8;
            margin: 0 1;
            padding: 0 1;
            border: round $panel-lighten-2;
            color: $text;
        }
        & #entry-box {
            height: 1fr;
            margin: 0 1;
            padding: 0 1;
            border: round $panel-lighten-2;
        }
        & #entry-about { color: $text-muted; }
        & #entry-mark { color: $warning; display: none; }
        & #entry-mark.-marked { display: block; }
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f2", "edit", "Edit"),
        Binding("delete,f8", "forget", "Forget"),
        Binding("f3", "source", "Where from"),
        Binding("f4", "about", "About you"),
        # One key, named for the tab it goes to (check_action leaves out the other).
        Binding("f5", "show_tab('diary')", "Diary"),
        Binding("f5", "show_tab('memories')", "Memories"),
        Binding("ctrl+f", "search", "Search", show=False),
    ]

    def __init__(self, companion: Companion, query: str = "") -> None:
        super().__init__()
        self.companion = companion
        self.initial_query = query
        self.items: list[Memory] = []
        self.about_user = ""
        #: Her diary, newest day first, and how her mood moved on each day.
        self.entries: list[DiaryEntry] = []
        self.moods: dict[date, list[str]] = {}

    def compose(self) -> ComposeResult:
        name = self.companion.persona.name
        # The tabs are the title: a row less than a title over them, for small terminals.
        with TabbedContent(initial=MEMORIES):
            with TabPane(Content(f"What {name} remembers"), id=MEMORIES):
                yield Static(Content(""), id="about")
                yield Input(self.initial_query, placeholder="Search her memories…", id="search")
                yield OptionList(id="list")
                yield Static(Content("Nothing selected."), id="detail")
            with TabPane(Content(f"{name}'s diary"), id=DIARY):
                yield OptionList(id="diary-list")
                with VerticalScroll(id="entry-box"):
                    yield Static(Content(""), id="entry-about")
                    yield Static(Content(f"⚑ {MARKED}"), id="entry-mark")
                    yield Static(Content(""), id="entry")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#list", OptionList).focus()
        self.load_core()
        self.load(self.initial_query)
        self.load_diary()

    @property
    def tab(self) -> str:
        """The tab shown (the memories until the tabs exist: the footer may ask before)."""
        found = self.query(TabbedContent)
        return found.first().active if found else MEMORIES

    @property
    def on_diary(self) -> bool:
        return self.tab == DIARY

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_tab":
            return parameters[0] != self.tab
        # The memory-only keys leave the footer on the diary tab (they mean nothing there).
        return not (action in MEMORY_ONLY and self.on_diary)

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.query_one("#diary-list" if self.on_diary else "#list", OptionList).focus()
        self.refresh_bindings()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

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
        listing = self.query_one("#list", OptionList)
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
        index = self.query_one("#list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]

    @on(OptionList.OptionHighlighted, "#list")
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

    @on(OptionList.OptionSelected, "#list")
    def chosen(self) -> None:
        self.action_source()

    @on(Input.Changed, "#search")
    def query_changed(self, event: Input.Changed) -> None:
        self.load(event.value.strip())

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one("#list", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _reload(self) -> None:
        self.load(self.query_one("#search", Input).value.strip())

    @work(group="edit")
    async def action_edit(self) -> None:
        if self.on_diary:
            await self._edit_entry()
            return
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
        if self.on_diary:
            await self._delete_entry()
            return
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
        self.load_diary()  # an entry that drew on what was forgotten is marked now

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

    # -- her diary ---------------------------------------------------------------------------

    @work(exclusive=True, group="diary")
    async def load_diary(self, select: int | None = None) -> None:
        try:
            self.entries = await self.companion.diary_entries()
            self.moods = await self.companion.diary_moods({e.day for e in self.entries})
        except SamanthaError as exc:
            self._report(exc)
            return
        listing = self.query_one("#diary-list", OptionList)
        listing.set_options(self._entry_line(e) for e in self.entries)
        ids = [e.id for e in self.entries]
        if ids:
            listing.highlighted = ids.index(select) if select in ids else 0
            self.entry_highlighted()
        else:
            self._show_entry(None)

    def _felt(self, entry: DiaryEntry) -> str:
        return ", then ".join(self.moods.get(entry.day, []))

    def _entry_line(self, entry: DiaryEntry) -> Option:
        line = Content.assemble((f"{entry.day:%a %d %b %Y}", "$accent"), "  ")
        felt = self._felt(entry)
        line += Content(felt or "(no mood recorded)")
        if entry.edited_at is not None:
            line += Content("  · edited")
        if entry.marked:
            line += Content.assemble("  ", (f"⚑ {MARKED}", "$warning"))
        return Option(line, id=str(entry.id))

    @property
    def selected_entry(self) -> DiaryEntry | None:
        index = self.query_one("#diary-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    @on(OptionList.OptionHighlighted, "#diary-list")
    def entry_highlighted(self) -> None:
        self._show_entry(self.selected_entry)

    def _show_entry(self, entry: DiaryEntry | None) -> None:
        about, mark = self.query_one("#entry-about", Static), self.query_one("#entry-mark")
        text = self.query_one("#entry", Static)
        mark.set_class(entry is not None and entry.marked, "-marked")
        if entry is None:
            about.update(Content("Her diary is empty: she writes in it for each day you talk."))
            text.update(Content(""))
            return
        notes = [f"{entry.day:%A %d %B %Y}"]
        felt = self._felt(entry)
        if felt:
            notes.append(f"her mood: {felt}")
        notes.append(f"from {entry.message_count} message{'s' if entry.message_count != 1 else ''}")
        if entry.edited_at is not None:
            notes.append(f"edited {entry.edited_at.astimezone():%d %B %H:%M}")
        about.update(Content(" · ".join(notes)))
        text.update(Content(visible(entry.text)))

    async def _edit_entry(self) -> None:
        entry = self.selected_entry
        if entry is None:
            return
        text = await self.app.push_screen_wait(
            AskModal(
                "Her diary entry (her memory of the day changes with it):",
                entry.text,
                multiline=True,
            )
        )
        if text is None or text == entry.text:
            return
        try:
            await self.companion.edit_diary(entry.id, text)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.load_diary(entry.id)
        self._reload()  # her memory of the day says the same now

    async def _delete_entry(self) -> None:
        entry = self.selected_entry
        if entry is None:
            return
        question = f"Delete her diary entry for {entry.day:%A %d %B}, and her memory of that day?"
        if not await self.app.push_screen_wait(ConfirmModal(question, "Delete")):
            return
        try:
            await self.companion.delete_diary(entry.id)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.notify("Deleted.", timeout=3)
        self.load_diary()
        # Her memory of the day went with it: the memories tab lists it no more.
        self._reload()
