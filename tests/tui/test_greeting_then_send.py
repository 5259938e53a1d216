"""A message sent while her greeting is still coming (a local model can take ten seconds to
say hello) waits for it: the chat never shows her hello after her answer to them."""

from __future__ import annotations

from samantha.tui.widgets.transcript import QUEUED, Transcript, UserMessage
from tests.tui.conftest import BuildApp
from tests.tui.helpers import GatedBackend, settle, shown, until

SIZE = (100, 30)


async def test_a_message_sent_during_her_greeting_is_queued_behind_it(
    build_app: BuildApp,
) -> None:
    backend = GatedBackend(replies=["Hello there.", "Fine, thanks."])
    app = build_app(backend, greet=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(backend.requests) == 1)
        await pilot.press(*"hi", "enter")
        await pilot.pause()
        assert shown(app.screen.query(UserMessage).last()) == f"hi\n{QUEUED}"
        assert len(backend.requests) == 1
        await backend.allow_all()
        await until(pilot, lambda: len(backend.requests) == 2 and not app.screen.replying)
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        assert [shown(w) for w in transcript.messages][-3:] == [
            "Hello there.",
            "hi",
            "Fine, thanks.",
        ]
        history = await app.companion.history()
        assert [m.text for m in history][-3:] == ["Hello there.", "hi", "Fine, thanks."]
