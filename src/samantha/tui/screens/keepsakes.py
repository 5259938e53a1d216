"""What she made for you and what she keeps of your days: the keepsakes (letters, poems, songs,
toasts, notes) to read, write, revise, export and delete, and her diary to read, edit and
delete. Opened from the chat by /write, /keepsakes or /diary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from samantha.errors import SamanthaError
from samantha.tui.safe import visible
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.confirm import ConfirmModal

if TYPE_CHECKING:
    from samantha.engine import Companion
    from samantha.store.keepsakes import DiaryEntry, Keepsake


def _first(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class KeepsakesScreen(Screen[None]):
    DEFAULT_CSS = """
    KeepsakesScreen {
        & > #title { padding: 0 2; background: $panel; color: $text-muted; }
        & > OptionList { height: 10; margin: 1 1 0 1; border: round $primary 40%; }
        & > OptionList:focus { border: round $primary; }
        & > #piece-box {
            height: 1fr;
            margin: 0 1;
            padding: 0 1;
            border: round $panel-lighten-2;
        }
        & #about { color: $text-muted; }
        & #sources { color: $text-muted; margin-top: 1; }
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f2", "new", "Write"),
        Binding("f3", "revise", "Revise"),
        Binding("f4", "export", "Export"),
        Binding("f5", "edit", "Edit entry"),
        Binding("delete,f8", "delete", "Delete"),
        Binding("tab", "switch", "Keepsakes/diary"),
    ]

    def __init__(self, companion: Companion, request: str = "", *, diary: bool = False) -> None:
        super().__init__()
        self.companion = companion
        self.request = request.strip()
        self.diary = diary
        self.pieces: list[Keepsake] = []
        self.entries: list[DiaryEntry] = []
        #: What the piece view shows now (the writing one while it streams).
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Static(Content(""), id="title")
        yield OptionList(id="list")
        with VerticalScroll(id="piece-box"):
            yield Static(Content(""), id="about")
            yield Static(Content(""), id="piece")
            yield Static(Content(""), id="sources")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.request and not self.diary:
            self.write(self.request)
        elif self.diary:
            self.write_today()
        else:
            self.load()

    # -- listing ---------------------------------------------------------------------------

    def _title(self) -> None:
        name = self.companion.persona.name
        what = f"{name}'s diary" if self.diary else f"What {name} wrote for you"
        self.query_one("#title", Static).update(
            Content(f"{what}  (Tab: {'keepsakes' if self.diary else 'diary'})")
        )

    @work(exclusive=True, group="list")
    async def load(self, select: int | None = None) -> None:
        self._title()
        try:
            if self.diary:
                self.entries = await self.companion.diary_entries()
                options = [self._entry_line(e) for e in self.entries]
                ids = [e.id for e in self.entries]
            else:
                self.pieces = await self.companion.keepsakes()
                options = [self._piece_line(k) for k in self.pieces]
                ids = [k.id for k in self.pieces]
        except SamanthaError as exc:
            self._report(exc)
            return
        listing = self.query_one(OptionList)
        listing.set_options(options)
        if ids:
            listing.highlighted = ids.index(select) if select in ids else 0
            self._show_selected()
        else:
            self._show(
                "",
                "Her diary is empty: she writes in it for each day you talk."
                if self.diary
                else "She hasn't written anything for you yet: F2, or /write a poem for me.",
            )

    def _piece_line(self, keepsake: Keepsake) -> Option:
        head = Content.assemble((f"{keepsake.form:<7}", "$accent"), f" v{keepsake.version} ")
        return Option(head + Content(visible(_first(keepsake.request))), id=str(keepsake.id))

    def _entry_line(self, entry: DiaryEntry) -> Option:
        mark = " (a source was deleted)" if entry.marked else ""
        head = Content.assemble((f"{entry.day:%a %d %b %Y}", "$accent"), " ")
        return Option(head + Content(visible(_first(entry.text, 60)) + mark), id=str(entry.id))

    @property
    def selected_piece(self) -> Keepsake | None:
        index = self.query_one(OptionList).highlighted
        if self.diary or index is None or not 0 <= index < len(self.pieces):
            return None
        return self.pieces[index]

    @property
    def selected_entry(self) -> DiaryEntry | None:
        index = self.query_one(OptionList).highlighted
        if not self.diary or index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    @on(OptionList.OptionHighlighted)
    def highlighted(self) -> None:
        self._show_selected()
        if self.selected_piece is not None:
            self.show_sources(self.selected_piece)

    @work(exclusive=True, group="sources")
    async def show_sources(self, piece: Keepsake) -> None:
        """The memories the piece drew on, listed under it."""
        memories = await self.companion.keepsake_memories(piece)
        if self.selected_piece is not piece or not memories:
            return
        drawn = "\n".join(f"· {m.text}" for m in memories)
        self.query_one("#sources", Static).update(
            Content(visible(f"Drawn from what she remembers:\n{drawn}"))
        )

    def _show_selected(self) -> None:
        piece, entry = self.selected_piece, self.selected_entry
        if piece is not None:
            about = (
                f"{piece.form}, version {piece.version}, "
                f"{piece.created_at.astimezone():%d %B %Y %H:%M}, for “{piece.request}”"
                + (f" (asked: {piece.how})" if piece.how else "")
                + f"; drawn from {len(piece.memory_ids)} memories"
            )
            self._show(piece.text, about)
        elif entry is not None:
            notes = [f"{entry.day:%A %d %B %Y}"]
            if entry.edited_at:
                notes.append("edited")
            if entry.marked:
                notes.append("a message it drew on has since been deleted")
            self._show(entry.text, ", ".join(notes))

    def _show(self, text: str, about: str) -> None:
        self.text = text
        self.query_one("#sources", Static).update(Content(""))
        self.query_one("#about", Static).update(Content(visible(about)))
        self.query_one("#piece", Static).update(Content(visible(text)))

    def _report(self, exc: SamanthaError) -> None:
        self.notify(visible(str(exc)), severity="error", timeout=10, markup=False)

    # -- writing ---------------------------------------------------------------------------

    @work(exclusive=True, group="write")
    async def write(self, request: str, revising: int | None = None) -> None:
        from samantha.engine import ReplyChunk

        self.diary = False
        self._title()
        about = f"Writing: {request}…"
        self._show("", about)
        events = (
            self.companion.write(request)
            if revising is None
            else self.companion.revise_keepsake(revising, request)
        )
        parts: list[str] = []
        made: int | None = None
        try:
            async for event in events:
                if isinstance(event, ReplyChunk):
                    parts.append(event.text)
                    self._show("".join(parts), about)
                else:
                    made = event.keepsake.id
        except SamanthaError as exc:
            self._report(exc)
        finally:
            await events.aclose()
        self.load(made)

    @work(exclusive=True, group="write")
    async def write_today(self) -> None:
        try:
            await self.companion.write_diary()
            today = await self.companion.diary_today()
        except SamanthaError as exc:
            self._report(exc)
            today = None
        self.load(today.id if today is not None else None)

    # -- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_switch(self) -> None:
        self.diary = not self.diary
        self.load()

    @work(group="edit")
    async def action_new(self) -> None:
        request = await self.app.push_screen_wait(
            AskModal("What should she write? (a letter to…, a poem about…, a toast for…)", "")
        )
        if request and request.strip():
            self.write(request.strip())

    @work(group="edit")
    async def action_revise(self) -> None:
        piece = self.selected_piece
        if piece is None:
            return
        how = await self.app.push_screen_wait(
            AskModal("How should she change it? (shorter, warmer, funnier…)", "")
        )
        if how and how.strip():
            self.write(how.strip(), revising=piece.id)

    @work(group="edit")
    async def action_export(self) -> None:
        piece = self.selected_piece
        if piece is None:
            return
        folder = self.companion.store.path.parent / "keepsakes"
        try:
            path = await self.companion.export_keepsake(piece.id, folder)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.notify(f"Saved to {visible(str(path))}", timeout=8, markup=False)

    @work(group="edit")
    async def action_edit(self) -> None:
        entry = self.selected_entry
        if entry is None:
            return
        text = await self.app.push_screen_wait(
            AskModal("Her diary entry:", entry.text, multiline=True)
        )
        if text is None or text == entry.text:
            return
        try:
            await self.companion.edit_diary(entry.id, text)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.load(entry.id)

    @work(group="edit")
    async def action_delete(self) -> None:
        piece, entry = self.selected_piece, self.selected_entry
        if piece is None and entry is None:
            return
        question = (
            f"Delete “{visible(_first(piece.request))}” and all its versions?"
            if piece is not None
            else "Delete this diary entry, and her memory of that day?"
        )
        if not await self.app.push_screen_wait(ConfirmModal(question, "Delete")):
            return
        try:
            if piece is not None:
                await self.companion.delete_keepsake(piece.id)
            elif entry is not None:
                await self.companion.delete_diary(entry.id)
        except SamanthaError as exc:
            self._report(exc)
            return
        self.notify("Deleted.", timeout=3)
        self.load()
