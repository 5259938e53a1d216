"""The transcript on its own: where messages sit, how it scrolls while a reply streams."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import Markdown

from samantha.domain.conversation import Message, MessageStatus, Role
from samantha.tui.widgets.reply_stream import safe_break
from samantha.tui.widgets.transcript import ReplyMessage, Transcript, UserMessage
from tests.tui.helpers import screen_text, shown, until


class TranscriptApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript()


def message(
    id: int, role: Role, text: str, status: MessageStatus = MessageStatus.COMPLETE
) -> Message:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return Message(
        id=id,
        conversation_id=1,
        role=role,
        speaker=role.value,
        text=text,
        created_at=at,
        status=status,
    )


def blocks(view: ReplyMessage) -> int:
    """How many paragraphs of a streamed reply (one line each, a blank line between) are laid
    out on screen."""
    return (view.content_region.height + 1) // 2


async def stream_paragraphs(view: ReplyMessage, first: int, last: int) -> None:
    for n in range(first, last):
        await view.add_fragment(f"Paragraph {n}.\n\n")
    # Fragments reach the screen a frame at a time; the tests look at the screen now.
    await view.flush()


async def test_a_short_conversation_starts_at_the_top_even_while_a_reply_streams() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        user = await transcript.add_user("hi")
        view = await transcript.start_reply()
        await view.add_fragment("hello there")
        await pilot.pause()
        await pilot.pause()
        assert transcript.scroll_y == 0
        # One row of margin above the first message: it is not pushed to the bottom.
        assert user.region.y == transcript.content_region.y + 1
        assert shown(view) == "hello there"


async def test_a_long_reply_keeps_its_newest_words_in_view() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.add_user("tell me everything")
        view = await transcript.start_reply()
        for n in range(25):
            await view.add_fragment(f"Paragraph {n}.\n\n")
            await view.flush()
            await pilot.pause()
            if transcript.max_scroll_y > 0:
                assert transcript.scroll_y == transcript.max_scroll_y, f"lagging at {n}"
        await view.finish()
        await pilot.pause()
        assert transcript.max_scroll_y > 0
        assert transcript.scroll_y == transcript.max_scroll_y
        assert "Paragraph 24." in screen_text(app)


async def test_a_reader_who_scrolled_up_is_not_dragged_down_until_back_at_the_end() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.add_user("tell me everything")
        view = await transcript.start_reply()
        await stream_paragraphs(view, 0, 30)
        await until(pilot, lambda: blocks(view) == 30)
        assert transcript.scroll_y == transcript.max_scroll_y > 0

        transcript.scroll_home(animate=False)
        await pilot.pause()
        await stream_paragraphs(view, 30, 40)
        await until(pilot, lambda: blocks(view) == 40)
        assert transcript.scroll_y == 0
        assert "tell me everything" in screen_text(app)

        transcript.scroll_end(animate=False)
        await pilot.pause()
        await stream_paragraphs(view, 40, 50)
        await until(pilot, lambda: blocks(view) == 50)
        await pilot.pause()
        assert transcript.scroll_y == transcript.max_scroll_y
        assert "Paragraph 49." in screen_text(app)


async def test_sending_brings_a_scrolled_up_reader_back_to_the_end() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        view = await transcript.start_reply()
        await stream_paragraphs(view, 0, 30)
        await view.finish()
        await pilot.pause()
        transcript.scroll_home(animate=False)
        await pilot.pause()
        assert transcript.scroll_y == 0

        await transcript.add_user("and then?")
        await pilot.pause()
        await pilot.pause()
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert "and then?" in screen_text(app)


async def test_growing_the_terminal_past_the_content_puts_it_back_at_the_top() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 12)) as pilot:
        transcript = app.query_one(Transcript)
        user = await transcript.add_user("first")
        view = await transcript.start_reply()
        await stream_paragraphs(view, 0, 8)
        await view.finish()
        await pilot.pause()
        assert transcript.max_scroll_y > 0

        await pilot.resize_terminal(60, 40)
        await pilot.pause()
        await pilot.pause()
        assert transcript.scroll_y == 0
        assert user.region.y == transcript.content_region.y + 1


async def test_history_shows_an_interrupted_reply_with_a_note() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_history(
            [
                message(1, Role.USER, "hello"),
                message(2, Role.ASSISTANT, "I was about to", MessageStatus.INTERRUPTED),
            ]
        )
        await pilot.pause()
        user, reply = transcript.children
        assert isinstance(user, UserMessage)
        assert isinstance(reply, ReplyMessage)
        assert shown(reply) == "I was about to\n(interrupted)"
        assert reply.has_class("-interrupted")


async def test_a_stop_note_stays_outside_an_unfinished_code_block() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = await app.query_one(Transcript).start_reply()
        await view.add_fragment("Here:\n\n```python\nprint('hi')\n")
        await view.finish("(stopped)")
        await pilot.pause()
        note = view.query_one(".note")
        assert shown(note) == "(stopped)"
        assert note.parent is view
        code = view.body
        assert "print('hi')" in shown(code)
        assert note.region.y >= code.region.bottom


async def test_a_long_stored_reply_is_shown_collapsed() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_history([message(1, Role.ASSISTANT, "la " * 5000)])
        await pilot.pause()
        transcript.scroll_end(animate=False)
        await pilot.pause()
        assert "(11,000 more characters, stored in full)" in screen_text(app)


def test_a_segment_only_breaks_between_blocks_outside_code() -> None:
    assert safe_break("", "one\n\ntwo") == len("one\n\n")
    assert safe_break("```\ncode", "\n\nmore code") == -1
    assert safe_break("```\ncode\n```", "\n\nafter") == len("\n\n")
    assert safe_break("", "item\n\n    indented continuation") == -1


async def test_a_long_streamed_reply_is_shown_whole_across_segments() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 40)) as pilot:
        view = await app.query_one(Transcript).start_reply()
        paragraphs = [f"Paragraph {n} " + "la " * 40 + "\n\n" for n in range(60)]
        for paragraph in paragraphs:
            await view.add_fragment(paragraph)
        await view.finish()
        await pilot.pause()
        segments = [w for w in view.children if w.has_class("segment")]
        assert len(segments) > 2, "a long reply is split into segments"
        assert view.drawn == "".join(paragraphs)
        # Each segment shows its words up to its last one (trailing spaces are not drawn).
        words = "\n\n".join(str(segment.content) for segment in segments)
        assert words.split() == "".join(paragraphs).split()
        assert words.count("\n\n") == len(paragraphs) - 1
        assert [segment.has_class("-next") for segment in segments] == [False] + [True] * (
            len(segments) - 1
        )
        # A blank line between segments, as between the paragraphs inside one.
        first, second = segments[0], segments[1]
        assert second.virtual_region.y == first.virtual_region.bottom + 1
        assert "Paragraph 59" in screen_text(app)


async def test_a_link_in_her_words_shows_where_it_points_and_is_never_followed() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = await app.query_one(Transcript).start_reply()
        await view.add_fragment(
            "See [the docs](https://example.org/x) or [this](file:///etc/passwd)."
        )
        await view.finish()
        await pilot.pause()
        # Link text can say anything: where it points is shown beside it (a file: link is
        # not a link at all in Markdown, and stays as written).
        assert shown(view) == "See the docs (https://example.org/x) or\n[this](file:///etc/passwd)."
        strips = app.screen._compositor.render_strips()
        assert not [seg for strip in strips for seg in strip if seg.style and seg.style.link]


async def test_a_streamed_reply_reads_as_markdown_and_mounts_no_markdown_widgets() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        view = await transcript.start_reply()
        await view.add_fragment("Some **bold** words\n\nand a second paragraph")
        await view.finish("(stopped)")
        await pilot.pause()
        await transcript.add_user("next")
        await pilot.pause()
        # Drawn by Rich, a widget per segment: no tree of block widgets to lay out per frame.
        assert not app.query(Markdown)
        assert len(view.children) == 2
        assert view.received == "Some **bold** words\n\nand a second paragraph"
        # Same words, and the note on its own line below them (not over the last one).
        assert shown(view) == "Some bold words\n\nand a second paragraph\n(stopped)"
