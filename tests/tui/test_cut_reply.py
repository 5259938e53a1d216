"""A reply the server cut short (its limit, its filter) says so under it, in one sentence."""

from __future__ import annotations

from collections.abc import AsyncIterator

from samantha.backends.base import Chunk, ReplyRequest
from samantha.backends.scripted import ScriptedBackend
from samantha.domain.conversation import MessageStatus
from samantha.engine.results import CUT_SENTENCES
from samantha.tui.widgets.transcript import ReplyMessage
from tests.tui.conftest import BuildApp
from tests.tui.helpers import send, settle, shown

SIZE = (200, 30)


class CutAtTheLimit(ScriptedBackend):
    """Two words, then the server says it stopped at the token limit."""

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        yield Chunk(text="I was ")
        yield Chunk(text="saying", finish_reason="length")


async def test_a_reply_cut_at_the_limit_says_why_under_it(build_app: BuildApp) -> None:
    app = build_app(CutAtTheLimit())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Tell me everything.")
        reply = " ".join(shown(app.screen.query(ReplyMessage).last()).split())
        assert reply == f"I was saying {CUT_SENTENCES['length']}"
        history = await app.companion.history()
        assert history[-1].status is MessageStatus.INTERRUPTED
        assert history[-1].text == "I was saying"
