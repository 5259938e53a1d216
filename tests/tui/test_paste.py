"""A paste holding an escape sequence arrives whole and in order, in the input and stored."""

from __future__ import annotations

from textual import events

from samantha.backends.scripted import ScriptedBackend
from samantha.tui.paste import PasteGuard, PasteSafeParser
from samantha.tui.widgets.prompt_input import PromptInput
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle

SIZE = (100, 30)
PASTED = "one two \x1b[2J three"
SHOWN = "one two \u241b[2J three"


async def test_a_pasted_escape_sequence_stays_in_place(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Pasted."]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        parser = PasteSafeParser()
        # What a terminal sends for the paste, read as the real driver reads it.
        tokens = list(parser.feed(f"\x1b[200~{PASTED}\x1b[201~"))
        driver = app._driver
        assert driver is not None
        for token in tokens:
            driver.process_message(token)
        await pilot.pause()
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == SHOWN
        await pilot.press("enter")
        await settle(pilot)
        history = await app.companion.history()
        assert [m.text for m in history] == [SHOWN, "Pasted."]


def test_a_paste_split_anywhere_reads_the_same() -> None:
    whole = f"ab\x1b[200~{PASTED}\x1b[201~\x1b"
    for cut in range(1, len(whole)):
        guard = PasteGuard()
        assert guard.feed(whole[:cut]) + guard.feed(whole[cut:]) == (
            f"ab\x1b[200~{SHOWN}\x1b[201~\x1b"
        ), cut
        assert not guard.pasting


def test_escape_outside_a_paste_is_passed_on_at_once() -> None:
    parser = PasteSafeParser()
    assert parser.guard.feed("\x1b") == "\x1b"
    keys = [t for t in parser.feed("\x1b[A") if isinstance(t, events.Key)]
    assert [k.key for k in keys] == ["up"]
