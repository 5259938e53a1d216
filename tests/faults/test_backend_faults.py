"""Every way the model server can fail, through the real engine: one sentence for the user,
retries only where they help, nothing lost, and the same companion carries on afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from samantha.engine import Companion, TurnResult
from samantha.errors import SamanthaError
from tests.backends.test_openai_compat import assert_one_sentence
from tests.conftest import MakeCompanion, collect
from tests.fakeserver import (
    FakeOpenAI,
    Response,
    hang_before_first_byte,
    invalid_json,
    refused_base_url,
    status,
    stream,
)
from tests.faults.conftest import API_KEY, MakeBackend
from tests.faults.kinds import FAULTS, HEALTHY, SHORT_TIMEOUT, Fault, runaway_reply


@pytest.fixture
def servers() -> Iterator[list[FakeOpenAI]]:
    """Servers a test starts; all stopped at the end, waking any handler still stalling."""
    started: list[FakeOpenAI] = []
    yield started
    for server in started:
        server.stop()


def stored(companion: Companion) -> list[tuple[str, str, str]]:
    """Every message as a second connection sees it: only what was committed."""
    conn = sqlite3.connect(companion.store.path)
    try:
        return conn.execute("SELECT role, text, status FROM messages ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("fault", FAULTS, ids=str)
async def test_a_fault_is_one_sentence_and_the_companion_carries_on(
    fault: Fault,
    make_companion: MakeCompanion,
    make_backend: MakeBackend,
    servers: list[FakeOpenAI],
) -> None:
    if fault.refused:
        url = refused_base_url()
        server = FakeOpenAI(port=int(url.rsplit(":", 1)[1].split("/")[0]))
    else:
        server = FakeOpenAI(*fault.answers()).start()
        servers.append(server)
        url = server.base_url
    if fault.url is not None:
        url = fault.url(url)
    backend = make_backend(url, max_retries=fault.max_retries, timeout=fault.timeout)
    # Rules, not the model, read facts: the requests counted are the reply's alone.
    companion = make_companion(backend, extractor="rules")
    expected = [("user", "hello?", "complete")]

    if fault.error is None:
        _, result = await collect(companion, "hello?")
        assert isinstance(result, TurnResult)
        assert result.cut_reason == fault.cut
        if fault.id == "reply-far-past-max-tokens":
            # The server ignored max_tokens: she stops at the cap, and what she said is kept.
            assert server.chat_requests[0].json["max_tokens"] == companion.reply_tokens
            reply, status = runaway_reply(companion.reply_tokens), "interrupted"
        elif fault.cut is not None:
            # Cut short by the server: what arrived is hers, marked as cut off.
            reply, status = fault.partial, "interrupted"
        else:
            reply, status = fault.reply or "".join(HEALTHY), "complete"
        assert result.reply == reply
        assert result.status == status
        expected.append(("assistant", reply, status))
    else:
        with pytest.raises(SamanthaError) as info:
            await collect(companion, "hello?")
        error = info.value
        assert isinstance(error, fault.error), f"{type(error).__name__}: {error}"
        text = assert_one_sentence(error, API_KEY)
        for word in fault.mentions:
            assert word in text, f"the sentence should mention {word!r}: {text}"
        for secret in fault.hidden:
            assert secret not in text, text
        expected.extend(fault.stored)
        if not any(role == "assistant" for role, _, _ in expected):
            # No word of hers arrived: the message is marked unanswered.
            expected[0] = ("user", "hello?", "error")
    unanswered = expected[0][2] == "error"
    assert len(server.chat_requests) == fault.requests, "retried where it should not (or not)"
    assert stored(companion) == expected
    if fault.url is not None:
        return  # an address that cannot work stays so: there is nothing to carry on with

    # The same companion, the same conversation: the next message simply works.
    if fault.refused:
        server.start()  # the server was down and came back on the same address
        servers.append(server)
    server.reset()
    server.enqueue(stream(HEALTHY))
    _, again = await collect(companion, "are you still there?")
    assert isinstance(again, TurnResult)
    assert again.reply == "".join(HEALTHY)
    assert again.prompt.tokens <= again.prompt.budget
    assert stored(companion) == [
        *expected,
        ("user", "are you still there?", "complete"),
        ("assistant", "".join(HEALTHY), "complete"),
    ]
    sent = server.chat_requests[-1].json["messages"]
    # An unanswered message is joined to the next, so she is not shown ignoring it.
    newest = "hello?\n\nare you still there?" if unanswered else "are you still there?"
    assert sent[-1] == {"role": "user", "content": newest}
    if fault.partial:
        # She knows what she had said before she was cut off.
        assert any(
            m["role"] == "assistant" and m["content"].startswith(fault.partial) for m in sent
        ), sent


EXTRACTION_FAULTS: list[Response] = [
    status(500),
    status(401),
    invalid_json(),
    hang_before_first_byte(10),
    stream(["not", " JSON", " at", " all"]),
]


@pytest.mark.parametrize("answer", EXTRACTION_FAULTS, ids=lambda r: type(r).__name__)
async def test_a_fault_after_the_reply_never_fails_the_turn(
    answer: Response,
    make_companion: MakeCompanion,
    make_backend: MakeBackend,
    servers: list[FakeOpenAI],
    isolated_home: Path,
) -> None:
    """With the model reading facts, the second request of a turn can fail too: the reply
    the user already saw must still be kept, and the turn end normally."""
    server = FakeOpenAI(stream(HEALTHY), answer).start()
    servers.append(server)
    backend = make_backend(server.base_url, timeout=SHORT_TIMEOUT)
    companion = make_companion(backend, extractor="model", request_timeout=SHORT_TIMEOUT)

    _, result = await collect(companion, "my sister Ana lives in Lisbon")

    assert isinstance(result, TurnResult)
    assert result.reply == "".join(HEALTHY)
    assert stored(companion) == [
        ("user", "my sister Ana lives in Lisbon", "complete"),
        ("assistant", "".join(HEALTHY), "complete"),
    ]
