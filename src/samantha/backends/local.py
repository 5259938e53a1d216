"""A GGUF model run inside this process through llama-cpp-python: no server, no network.

The model file says what it needs: its chat template and the context it was trained for are
read from the file's own metadata. Loading takes seconds and hundreds of megabytes, so a model
is loaded once per process (shared by every companion that names the same file) and off the
event loop. Generation runs on a worker thread that hands each piece of text to the loop as it
comes; closing the stream (Esc) tells the thread to stop before its next token.

llama.cpp runs one generation at a time on a model, so streams to one model wait their turn
(extraction between chat turns would otherwise interleave with a reply).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.util
import json
import os
import struct
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from samantha.backends.base import ChatMessage, Chunk, ReplyRequest, Usage, fold_system, mid_system
from samantha.config import BackendSpec, Paths
from samantha.errors import BackendError, ConfigError

#: Without a context length the user asked for, the model's own is used up to this many
#: tokens: the KV cache grows with it, and a 128k model would take gigabytes for it.
DEFAULT_MAX_CONTEXT = 8192
#: Memory for the model's saved states (see ``_load``).
STATE_CACHE_BYTES = 1 << 30
#: JSON answers that did not parse before a model is taken as unable to give JSON.
JSON_FAILURES_TO_GIVE_UP = 3
_GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GgufInfo:
    """What samantha needs from a GGUF file's header, read without loading the model."""

    architecture: str
    name: str | None
    context_length: int | None
    chat_template: bool


def read_gguf(path: Path) -> GgufInfo:
    """The file's metadata; ``ValueError`` when it is no GGUF file (or a truncated one)."""
    with path.open("rb") as file:
        if file.read(4) != _GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        (version,) = struct.unpack("<I", _exact(file, 4))
        if version < 2:
            raise ValueError(f"GGUF version {version} is too old")
        _tensors, count = struct.unpack("<QQ", _exact(file, 16))
        values: dict[str, Any] = {}
        for _ in range(count):
            key = _string(file)
            (kind,) = struct.unpack("<I", _exact(file, 4))
            values[key] = _value(file, kind, keep=not key.startswith("tokenizer.ggml."))
    arch = str(values.get("general.architecture", "llama"))
    length = values.get(f"{arch}.context_length")
    return GgufInfo(
        architecture=arch,
        name=str(values["general.name"]) if "general.name" in values else None,
        context_length=int(length) if isinstance(length, int) else None,
        chat_template=isinstance(values.get("tokenizer.chat_template"), str),
    )


_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_SCALARS.update({10: "<Q", 11: "<q", 12: "<d"})


def _exact(file: BinaryIO, size: int) -> bytes:
    data = file.read(size)
    if len(data) != size:
        raise ValueError("the file ends inside its header")
    return data


def _string(file: BinaryIO) -> str:
    (size,) = struct.unpack("<Q", _exact(file, 8))
    if size > 1 << 26:
        raise ValueError("a header string is impossibly long")
    return _exact(file, size).decode("utf-8", "replace")


def _value(file: BinaryIO, kind: int, *, keep: bool) -> Any:
    """One metadata value; arrays (the vocabulary: tens of thousands of entries) are skipped
    unless wanted, which keeps reading a header to milliseconds."""
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, _exact(file, struct.calcsize(fmt)))[0]
    if kind == 8:
        return _string(file)
    if kind == 9:
        (item, length) = struct.unpack("<IQ", _exact(file, 12))
        if item in _SCALARS:
            size = struct.calcsize(_SCALARS[item]) * length
            file.seek(size, os.SEEK_CUR)
            return None
        for _ in range(length):
            _value(file, item, keep=False)
        return None
    raise ValueError(f"unknown metadata type {kind}")


def resolve_model(name: str, paths: Paths | None = None) -> Path:
    """``--model`` as a path to a GGUF file, or a file's name in the data folder's ``models``
    folder (with or without ``.gguf``); no name at all picks the only file there."""
    folder = (paths or Paths.from_env()).data_dir / "models"
    if not name or name == "default":
        found = sorted(folder.glob("*.gguf")) if folder.is_dir() else []
        if len(found) == 1:
            return found[0]
        raise ConfigError(
            f"The local backend needs a model file: pass --model PATH.gguf, or put one GGUF "
            f"file in {folder}."
        )
    given = Path(name).expanduser()
    candidates = [given, folder / name, folder / f"{name}.gguf"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise ConfigError(
        f"There is no model file '{name}': pass --model with the path of a GGUF file, or put "
        f"it in {folder}."
    )


def _available_memory() -> int | None:
    """Bytes the system could give a new model now (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


# -- one loaded model per file, per process --------------------------------------------------


class _Loaded:
    """A loaded model and the locks that keep its generations one at a time (one per event
    loop: an asyncio lock belongs to the loop it first waited on)."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


_models: dict[tuple[Path, int], _Loaded] = {}
_loading = threading.Lock()


@atexit.register
def _free_models() -> None:
    """Free the models while llama-cpp-python can still do it: left to the garbage collector
    at interpreter exit, its finaliser runs after its module is gone and prints a traceback."""
    for loaded in _models.values():
        close = getattr(loaded.llama, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
    _models.clear()


def _load(path: Path, n_ctx: int) -> _Loaded:
    with _loading:
        found = _models.get((path, n_ctx))
        if found is not None:
            return found
        available = _available_memory()
        size = path.stat().st_size
        if available is not None and size > available:
            raise BackendError(
                f"The model {path.name} ({size / 2**30:.1f} GB) does not fit in the memory free "
                f"now ({available / 2**30:.1f} GB): close other programs or pick a smaller model."
            )
        from llama_cpp import Llama

        try:
            # Half the logical cores, as llama.cpp's own server does: with a thread on every
            # core, any other busy process (the chat's own loop) stalls the threads at each
            # token's barrier; measured on this 2-core machine under load, 22.6 tokens/s on
            # one thread against 7.0 on two, and a 300-word reply in 3.5 minutes.
            threads = max(1, (os.cpu_count() or 2) // 2)
            llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(
                f"The model {path.name} could not be loaded ({_short(str(exc))}): it may not fit "
                "in memory, or it is a GGUF this llama-cpp-python does not support."
            ) from exc
        with contextlib.suppress(ImportError, AttributeError):
            from llama_cpp.llama_cache import LlamaRAMCache

            # Memory's questions come between two replies with a prompt of their own: the
            # state after each reply is kept, so the next reply resumes from it instead of
            # reading the whole conversation again. Bounded: a state too large is not kept.
            llama.set_cache(LlamaRAMCache(capacity_bytes=STATE_CACHE_BYTES))
        loaded = _Loaded(llama)
        _models[(path, n_ctx)] = loaded
        return loaded


# -- the backend ----------------------------------------------------------------------------


class LocalBackend:
    """A GGUF model in this process. ``follows_instructions`` turns False for the rest of the
    session once the model has failed to give JSON a few times, so memory stops asking it."""

    can_stream = True
    needs_key = False
    serves_embeddings = False

    def __init__(self, spec: BackendSpec) -> None:
        self.name = spec.name
        self.path = resolve_model(spec.model)
        try:
            self.info = read_gguf(self.path)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"The model file {self.path} is not a usable GGUF file ({exc}): pass a .gguf "
                "model, such as one Ollama or llama.cpp downloaded."
            ) from None
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(
                "The local backend needs llama-cpp-python: install it with "
                "pip install 'samantha[local]'."
            )
        self.model = self.path.stem
        trained = self.info.context_length or DEFAULT_MAX_CONTEXT
        asked = spec.context_window if spec.context_window > 0 else None
        self.context_window = min(asked or DEFAULT_MAX_CONTEXT, trained)
        self._loaded: _Loaded | None = None
        self._json_failures = 0
        #: The file's chat template refused a system message after the first: fold them.
        self._fold = False
        #: Time to first token and tokens per second of the last stream (None: not yet).
        self.last_first_token_ms: float | None = None
        self.last_tokens_per_second: float | None = None

    @property
    def follows_instructions(self) -> bool:
        return self._json_failures < JSON_FAILURES_TO_GIVE_UP

    def warm(self) -> None:
        """Load the model now, in the caller's thread (front ends call this off their loop)."""
        self._loaded = _load(self.path, self.context_window)

    def tokenizer(self) -> Callable[[str], int | None] | None:
        loaded = self._loaded
        if loaded is None:
            return None
        llama = loaded.llama

        def count(text: str) -> int | None:
            try:
                return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))
            except (RuntimeError, ValueError, TypeError):
                return None

        return count

    async def _model(self) -> _Loaded:
        if self._loaded is None:
            self._loaded = await asyncio.to_thread(_load, self.path, self.context_window)
        return self._loaded

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        if self._fold or not mid_system(request.messages):
            messages = fold_system(request.messages) if self._fold else request.messages
            async for chunk in self._stream(request, messages):
                yield chunk
            return
        started = False
        try:
            async for chunk in self._stream(request, request.messages):
                started = True
                yield chunk
        except BackendError as exc:
            if started or not _refuses_roles(exc.__cause__):
                raise
            # The file's chat template allows a system message only first: fold, from now on.
            self._fold = True
            async for chunk in self._stream(request, fold_system(request.messages)):
                yield chunk

    async def _stream(
        self, request: ReplyRequest, messages: list[ChatMessage]
    ) -> AsyncIterator[Chunk]:
        loaded = await self._model()
        async with loaded.lock:
            kwargs: dict[str, Any] = {
                "messages": [m.model_dump() for m in messages],
                "stream": True,
                "max_tokens": request.max_tokens or None,
            }
            if request.temperature is not None:
                kwargs["temperature"] = request.temperature
            schema = request.json_schema
            if schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": schema}
            text: list[str] = []
            # Closed here, not when collected: Esc must stop the thread while the lock is held.
            async with contextlib.aclosing(_run_in_thread(loaded.llama, kwargs, self)) as chunks:
                async for chunk in chunks:
                    text.append(chunk.text)
                    yield chunk
            if schema is not None:
                self._note_json("".join(text))

    def _note_json(self, text: str) -> None:
        try:
            json.loads(text)
        except ValueError:
            self._json_failures += 1
        else:
            self._json_failures = 0

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        raise BackendError(
            "The local backend serves no embeddings: leave embedding_model unset to recall "
            "with full-text search."
        )

    async def check(self) -> str:
        try:
            await self._model()
        except BackendError as exc:
            return str(exc)
        window = f"context {self.context_window} tokens"
        return f"The local model {self.path.name} is loaded ({window}); no server is needed."

    async def probe(self) -> tuple[bool, str]:
        try:
            await self._model()
        except BackendError as exc:
            return False, str(exc)
        return True, await self.check()

    async def aclose(self) -> None:
        """The model stays loaded for the process: another companion may use it next."""
        self._loaded = None


_DONE = object()


async def _run_in_thread(
    llama: Any, kwargs: dict[str, Any], timing: LocalBackend
) -> AsyncGenerator[Chunk, None]:
    """Generate on a worker thread, each chunk handed to this loop as it comes. Leaving the
    loop early (Esc) sets ``stop``: the thread ends the generation before its next token."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def put(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed under us: nobody listens
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            for item in _generate(llama, kwargs, stop):
                put(item)
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the loop, which raises it as a sentence
            put(exc)
        finally:
            put(_DONE)

    started = time.perf_counter()
    first: float | None = None
    pieces = 0
    thread = threading.Thread(target=work, name="samantha-local-model", daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise BackendError(
                    f"The local model failed while replying ({_short(str(item))}): send again, "
                    "or lower context_window if it ran out of memory."
                ) from item
            assert isinstance(item, Chunk)
            if item.text:
                pieces += 1
                if first is None:
                    first = time.perf_counter()
            yield item
    finally:
        stop.set()
        # The thread stops within one token; waiting for it keeps the model's lock held until
        # the model is really free (the next request would otherwise interrupt it).
        await asyncio.to_thread(thread.join)
        if first is not None:
            timing.last_first_token_ms = (first - started) * 1000
            elapsed = time.perf_counter() - first
            timing.last_tokens_per_second = (pieces - 1) / elapsed if elapsed > 0 else None


def _generate(llama: Any, kwargs: dict[str, Any], stop: threading.Event) -> Iterator[Chunk]:
    """The completion as Chunks, run on the worker thread."""
    completion = llama.create_chat_completion(**kwargs)
    tokens = 0
    try:
        for event in completion:
            if stop.is_set():
                return
            choice = event["choices"][0] if event.get("choices") else {}
            delta = choice.get("delta") or {}
            text = delta.get("content") or ""
            finish = choice.get("finish_reason")
            if text:
                tokens += 1
            if text or finish:
                usage = Usage(completion_tokens=tokens) if finish else None
                yield Chunk(text=text, finish_reason=finish, usage=usage)
    finally:
        close = getattr(completion, "close", None)
        if close is not None:
            close()


def _refuses_roles(exc: BaseException | None) -> bool:
    """The chat template raised over where a system message stands (jinja's
    ``raise_exception("... roles must alternate ...")``)."""
    if exc is None:
        return False
    text = f"{type(exc).__name__} {exc}".lower()
    return "template" in text or any(w in text for w in ("alternate", "system", "role"))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
