"""The adapter asks the server what it is: its context window, its models, its tokenizer, how
it takes structured output, and whether it must be sent one request at a time.

Each server is played by the fake server answering that server's own routes with what the real
one sends (llama.cpp ``/props``, Ollama ``/api/show``, llama-cpp-python
``/extras/tokenize/count``); tests/backends/test_llamacpp_server.py asks a real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from samantha.backends import probe
from samantha.backends.base import ChatMessage, ReplyRequest
from samantha.backends.openai_compat import JSON_FAILURES_TO_GIVE_UP, OpenAICompatBackend
from samantha.config import load_settings
from samantha.engine import TurnResult
from samantha.errors import BackendRejected, ModelNotFound
from tests.backends.test_openai_compat import assert_one_sentence
from tests.conftest import MakeCompanion, collect
from tests.fakeserver import FakeOpenAI, status, stream

MakeBackend = Callable[..., OpenAICompatBackend]
LLAMACPP_PROPS = {
    "default_generation_settings": {"n_ctx": 4096, "params": {"n_predict": -1}},
    "total_slots": 1,
    "chat_template": "{{ messages }}",
}
OLLAMA_SHOW = {
    "modelfile": "FROM llama3.2",
    "parameters": 'stop "<|eot_id|>"\nnum_ctx 16384',
    "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
}
SCHEMA = {"type": "object", "properties": {"facts": {"type": "array"}}, "required": ["facts"]}


@pytest.fixture(autouse=True)
def fresh_answers() -> Iterator[None]:
    probe.forget()
    yield
    probe.forget()


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(models=("smollm2",)) as fake:
        yield fake


@pytest.fixture
async def make_backend(server: FakeOpenAI) -> AsyncIterator[MakeBackend]:
    made: list[OpenAICompatBackend] = []

    def make(backend: str = "llamacpp", **settings: object) -> OpenAICompatBackend:
        spec = load_settings(
            backend=backend, base_url=server.base_url, max_retries=0, **settings
        ).backend_spec()
        adapter = OpenAICompatBackend(spec)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.aclose()


def sent_to(server: FakeOpenAI, path: str) -> list[object]:
    return [r.json for r in server.requests if r.path.split("?")[0] == path]


def hello(schema: dict[str, object] | None = None) -> ReplyRequest:
    return ReplyRequest(messages=[ChatMessage(role="user", content="hi")], json_schema=schema)


async def reply(backend: OpenAICompatBackend, request: ReplyRequest | None = None) -> str:
    return "".join([chunk.text async for chunk in backend.stream(request or hello())])


async def test_llamacpp_says_its_context_window_model_and_tokenizer(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.native[("GET", "/props")] = LLAMACPP_PROPS
    server.native[("POST", "/tokenize")] = {"tokens": [1, 2, 3, 4, 5]}
    backend = make_backend()
    assert backend.context_window == 8192  # nothing asked yet: the common guess

    ok, sentence = await backend.probe()

    assert ok, sentence
    assert backend.context_window == 4096
    assert backend.model == "smollm2"  # "default" on a one-model server is that model
    assert "4096" in sentence
    assert await backend.count_tokens("five tokens of text") == 5
    assert sent_to(server, "/tokenize")[-1] == {"content": "five tokens of text"}


async def test_the_model_list_meta_gives_the_trained_context_when_props_is_missing(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.native[("GET", "/v1/models")] = {
        "object": "list",
        "data": [{"id": "smollm2", "object": "model", "meta": {"n_ctx_train": 2048}}],
    }
    backend = make_backend()

    await reply(backend)

    assert backend.context_window == 2048


async def test_ollama_says_the_context_it_runs_the_model_with(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.models = ["llama3.2:latest"]
    server.native[("POST", "/api/show")] = OLLAMA_SHOW
    backend = make_backend("ollama")

    await reply(backend)

    assert backend.context_window == 16384  # num_ctx, not the 131072 it was trained for
    assert sent_to(server, "/api/show")[0] == {"model": "llama3.2"}


async def test_ollama_without_num_ctx_runs_its_default_context(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.models = ["llama3.2:latest"]
    server.native[("POST", "/api/show")] = {**OLLAMA_SHOW, "parameters": 'stop "<|eot_id|>"'}
    backend = make_backend("ollama")

    await reply(backend)

    assert backend.context_window == probe.OLLAMA_DEFAULT_CONTEXT


async def test_a_context_window_setting_wins_over_the_server(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.native[("GET", "/props")] = LLAMACPP_PROPS
    backend = make_backend(context_window=2048)

    await reply(backend)

    assert backend.context_window == 2048


@pytest.mark.parametrize("preset", ["ollama", "vllm", "llamacpp", "lmstudio", "custom"])
async def test_an_unknown_model_is_one_sentence_for_every_preset(
    server: FakeOpenAI, make_backend: MakeBackend, preset: str
) -> None:
    backend = make_backend(preset, model="no-such-model")

    ok, sentence = await backend.probe()
    with pytest.raises(ModelNotFound) as info:
        await reply(backend)

    assert not ok
    assert_one_sentence(info.value)
    for said in (sentence, str(info.value)):
        assert "no-such-model" in said
        assert "'smollm2'" in said
    assert server.chat_requests == []  # nothing was sent for a model that is not there


async def test_a_server_that_answers_no_questions_is_used_as_before(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.models_response = status(404, "no such route")
    backend = make_backend(model="anything")

    assert await reply(backend) == "Hello from fake"
    assert backend.context_window == 8192


async def test_llama_cpp_python_gets_one_request_at_a_time(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.native[("POST", "/extras/tokenize/count")] = {"count": 1}
    server.enqueue(stream(["a", "b", "c"], delay=0.05), stream(["x"]))
    backend = make_backend()
    seen_when_first_ended: list[int] = []

    async def first() -> None:
        await reply(backend)
        seen_when_first_ended.append(len(server.chat_requests))

    await asyncio.gather(first(), reply(backend))

    # The second request went out only after the first reply had ended: llama-cpp-python
    # would have dropped the first reply for it.
    assert seen_when_first_ended == [1]
    assert len(server.chat_requests) == 2


async def test_other_servers_are_not_held_to_one_request(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.native[("GET", "/props")] = LLAMACPP_PROPS
    server.enqueue(stream(["a", "b", "c"], delay=0.05), stream(["x"]))
    backend = make_backend()
    await backend.probe()
    seen_when_first_ended: list[int] = []

    async def first() -> None:
        await reply(backend)
        seen_when_first_ended.append(len(server.chat_requests))

    await asyncio.gather(first(), reply(backend))

    assert seen_when_first_ended == [2]


@pytest.mark.parametrize(
    ("native", "expected"),
    [
        ((("GET", "/props"), LLAMACPP_PROPS), {"json_schema": SCHEMA}),
        ((("POST", "/api/show"), OLLAMA_SHOW), {"format": SCHEMA}),
        (
            (("POST", "/extras/tokenize/count"), {"count": 1}),
            {"response_format": {"type": "json_object", "schema": SCHEMA}},
        ),
        (
            None,
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": SCHEMA},
                }
            },
        ),
    ],
    ids=["llamacpp", "ollama", "llama-cpp-python", "openai-compatible"],
)
async def test_json_is_asked_for_the_way_each_server_takes_it(
    server: FakeOpenAI,
    make_backend: MakeBackend,
    native: tuple[tuple[str, str], object] | None,
    expected: dict[str, object],
) -> None:
    if native is not None:
        server.native[native[0]] = native[1]
    server.models = ["llama3.2:latest"] if native and native[0][1] == "/api/show" else ["m"]
    backend = make_backend("custom", model="llama3.2" if server.models[0] != "m" else "m")

    await reply(backend, hello(SCHEMA))

    sent = server.chat_requests[-1].json
    assert isinstance(sent, dict)
    for key, value in expected.items():
        assert sent[key] == value


async def test_a_model_that_gives_no_json_is_no_longer_asked_for_it(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    backend = make_backend(model="smollm2")
    server.enqueue(stream(['{"facts": []}']))
    for _ in range(JSON_FAILURES_TO_GIVE_UP - 1):
        server.enqueue(stream(["Sure! Here are the facts: you like tea."]))

    for _ in range(JSON_FAILURES_TO_GIVE_UP):
        await reply(backend, hello(SCHEMA))
    assert backend.follows_instructions  # one good answer, then two failures

    server.enqueue(stream(["I cannot do JSON."]))
    await reply(backend, hello(SCHEMA))
    assert not backend.follows_instructions

    await reply(backend)  # plain chat is not JSON and never counts
    assert not backend.follows_instructions


async def test_the_turn_that_gives_up_on_model_extraction_says_so_once(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    companion = make_companion(make_backend(model="smollm2"))
    for _ in range(JSON_FAILURES_TO_GIVE_UP + 1):
        server.enqueue(stream(["Mm."]), stream(["Sure! You like tea."]))
    notices = []
    for number in range(JSON_FAILURES_TO_GIVE_UP + 1):
        _, result = await collect(companion, f"I like tea, number {number}.")
        assert isinstance(result, TurnResult)
        notices.append(result.notice)
    said = (
        "smollm2 could not give memory the JSON it asks for, so she learns by rules for the "
        "rest of this session."
    )
    assert notices == [None] * (JSON_FAILURES_TO_GIVE_UP - 1) + [said, None]


@pytest.mark.parametrize(
    "message",
    [
        "Requested tokens (9000) exceed context window of 4096",
        "This model's maximum context length is 4096 tokens, however you requested 9000 tokens",
    ],
)
async def test_an_overflow_that_names_the_window_teaches_it(
    server: FakeOpenAI, make_backend: MakeBackend, message: str
) -> None:
    server.enqueue(status(400, message))
    backend = make_backend(model="smollm2")

    with pytest.raises(BackendRejected):
        await reply(backend)

    assert backend.context_window == 4096


async def test_an_overflow_does_not_override_a_context_window_setting(
    server: FakeOpenAI, make_backend: MakeBackend
) -> None:
    server.enqueue(status(400, "Requested tokens (9000) exceed context window of 4096"))
    backend = make_backend(model="smollm2", context_window=2048)

    with pytest.raises(BackendRejected):
        await reply(backend)

    assert backend.context_window == 2048


async def test_the_next_prompt_is_fitted_to_the_window_the_server_told(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.native[("GET", "/props")] = LLAMACPP_PROPS
    companion = make_companion(make_backend(), extractor="rules")

    _, first = await collect(companion, "hello")
    _, second = await collect(companion, "how are you?")

    assert isinstance(first, TurnResult)
    assert isinstance(second, TurnResult)
    assert first.prompt.budget > 4096  # built before the server was asked: the guess
    assert second.prompt.budget < 4096


async def test_a_turn_reports_its_speed_in_tokens_per_second(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(stream(["One", " two", " three", " four"], usage=(12, 4), delay=0.02))
    companion = make_companion(make_backend(model="smollm2"), extractor="rules")

    _, result = await collect(companion, "count for me")

    assert isinstance(result, TurnResult)
    speed = result.timings.tokens_per_second
    assert speed is not None
    # Three tokens after the first, each after a 20 ms wait: well under 150 a second.
    assert 0 < speed < 150
