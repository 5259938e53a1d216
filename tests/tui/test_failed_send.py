"""A message whose reply failed: the transcript offers to send it again, Ctrl+R does, and
the mark is read back from history after a restart."""

from __future__ import annotations

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.domain.conversation import MessageStatus
from samantha.errors import BackendUnreachable, SamanthaError
from samantha.tui.screens.chat import NO_REPLY
from samantha.tui.widgets.transcript import UNANSWERED, ReplyMessage, UserMessage
from tests.conftest import collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown

SIZE = (100, 30)
DOWN = "Cannot reach the server: start it."


async def test_a_failed_reply_offers_a_resend_and_ctrl_r_sends_it(build_app: BuildApp) -> None:
    backend = ScriptedBackend()
    backend.queue(BackendUnreachable(DOWN), "Here I am.")
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"are you there?", "enter")
        await settle(pilot)
        assert shown(app.screen.query(ReplyMessage).last()) == f"{NO_REPLY}\n{DOWN}"
        assert NO_REPLY.endswith("Ctrl+R sends it again)")

        await pilot.press("ctrl+r")
        await settle(pilot)
        replies = app.screen.query(ReplyMessage)
        assert shown(replies.last()) == "Here I am."
        assert [shown(u) for u in app.screen.query(UserMessage)] == ["are you there?"]
        history = await app.companion.history()
        assert [(m.text, m.status) for m in history] == [
            ("are you there?", MessageStatus.COMPLETE),
            ("Here I am.", MessageStatus.COMPLETE),
        ]


async def test_after_a_restart_the_unanswered_message_still_offers_a_resend(
    build_app: BuildApp,
) -> None:
    backend = ScriptedBackend()
    backend.queue(BackendUnreachable(DOWN), "Sorry, I'm back.")
    app = build_app(backend)
    with pytest.raises(SamanthaError):
        await collect(app.companion, "did you get my letter?")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        user = app.screen.query(UserMessage).last()
        assert shown(user) == f"did you get my letter?\n{UNANSWERED}"

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert shown(app.screen.query(ReplyMessage).last()) == "Sorry, I'm back."
        # Answered: the offer is gone.
        assert shown(app.screen.query(UserMessage).last()) == "did you get my letter?"
