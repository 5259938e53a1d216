"""Memory with a real OpenAI-compatible adapter, against the fake server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from samantha.backends.openai_compat import OpenAICompatBackend
from samantha.config import load_settings
from samantha.engine import TurnResult
from tests.conftest import MakeCompanion, collect
from tests.fakeserver import FakeOpenAI, invalid_json, stream


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
async def backend(server: FakeOpenAI) -> AsyncIterator[OpenAICompatBackend]:
    spec = load_settings(
        backend="custom", base_url=server.base_url, model="fake-model", max_retries=0
    ).backend_spec()
    adapter = OpenAICompatBackend(spec)
    yield adapter
    await adapter.aclose()


@pytest.mark.parametrize(
    "extraction",
    [
        stream(["this is not ", "JSON at all"]),
        stream(['{"facts": [{"kind": "person", "importance": 99}]}']),
        invalid_json(),
    ],
    ids=["prose", "wrong-shape", "broken-response"],
)
async def test_bad_extraction_output_never_fails_the_turn(
    server: FakeOpenAI,
    backend: OpenAICompatBackend,
    make_companion: MakeCompanion,
    extraction: object,
) -> None:
    server.enqueue(stream(["Oh, ", "Anna!"]), extraction)
    companion = make_companion(backend)
    reply, result = await collect(companion, "My sister is called Anna.")
    assert reply == "Oh, Anna!"
    assert isinstance(result, TurnResult)
    # The rules still caught the sister; the model's answer was ignored.
    assert {m.text for m in result.extracted} == {"My sister is called Anna."}
    assert len(server.chat_requests) == 2
    texts = [m.text for m in await companion.history()]
    assert texts == ["My sister is called Anna.", "Oh, Anna!"]


async def test_embeddings_from_the_server_feed_dense_recall(
    server: FakeOpenAI, backend: OpenAICompatBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(stream(["Noted."]), stream(["Hm."]))
    companion = make_companion(backend, extractor="rules", embedding_model="fake-embed")
    await collect(companion, "My sister is called Anna.")
    await companion.new_conversation()
    await collect(companion, "My sister is called Anna.")
    embedding_calls = [r for r in server.requests if r.path.endswith("/embeddings")]
    assert embedding_calls, "memories and queries should be embedded"
    assert all(r.json and r.json["model"] == "fake-embed" for r in embedding_calls)
    inputs = [r.json["input"] for r in embedding_calls if r.json]
    flat = [text for item in inputs for text in (item if isinstance(item, list) else [item])]
    assert "My sister is called Anna." in flat  # the query, and the memory of it
    stored = companion.store.run_sync(
        lambda s: s.memories.vectors(companion.persona.key, "fake-embed")
    )
    assert len(stored) >= 2


async def test_a_models_long_facts_are_fitted_and_its_questions_dropped(
    server: FakeOpenAI, backend: OpenAICompatBackend, make_companion: MakeCompanion
) -> None:
    long_plan = "I am going to visit the old harbour with my friends and then " * 20
    assert len(long_plan) > 1000
    extraction = {
        "facts": [
            {"kind": "plan", "text": long_plan, "importance": 7, "date": "2026-03-06"},
            {"kind": "person", "text": "What is my sister's name?", "importance": 7},
            {"kind": "fact", "text": "I work as a nurse", "importance": 6},
        ]
    }
    server.enqueue(stream(["Lovely."]), stream([json.dumps(extraction)]))
    companion = make_companion(backend)
    reply, result = await collect(companion, "I work as a nurse. " + long_plan)
    assert reply == "Lovely."
    assert isinstance(result, TurnResult)
    texts = [m.text for m in await companion.memories()]
    assert all(len(t) <= 500 for t in texts)
    assert not [t for t in texts if t.endswith("?")]
    assert [t for t in texts if "nurse" in t] == ["I work as a nurse."]  # rules + model: once
    plans = [m for m in await companion.memories() if m.text.startswith("I am going to visit")]
    assert plans


async def test_a_fact_the_message_never_gave_is_not_kept(
    server: FakeOpenAI, backend: OpenAICompatBackend, make_companion: MakeCompanion
) -> None:
    """Seen with SmolLM2-135M: asked about 'My sister June is getting married in May.', it
    answered with the instructions' example ('My sister is called Anna.') and a name the
    person never gave; neither may become a memory of theirs."""
    extraction = {
        "facts": [
            {"kind": "person", "text": "My sister is called Anna.", "importance": 7},
            {"kind": "preference", "text": "I love jazz.", "importance": 5},
            {"kind": "plan", "text": "My sister June is getting married in May.", "importance": 8},
        ],
        "user_name": "Theo",
    }
    server.enqueue(stream(["How lovely."]), stream([json.dumps(extraction)]))
    companion = make_companion(backend)
    await collect(companion, "My sister June is getting married in May.")
    texts = [m.text for m in await companion.memories()]
    assert not [t for t in texts if "Anna" in t], texts
    assert not [t for t in texts if "jazz" in t], texts
    assert [t for t in texts if "June is getting married" in t], texts
    assert companion.user_name is None
