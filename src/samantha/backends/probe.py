"""Ask an OpenAI-compatible server what it is, instead of guessing from the preset.

Local servers know things the preset can only guess: the context window they were started
with (llama.cpp's ``/props``, Ollama's ``/api/show``, a ``meta`` block in llama.cpp's model
list), which models they serve, and whether they can count tokens with the model's own
tokenizer (llama.cpp ``/tokenize``, llama-cpp-python ``/extras/tokenize/count``). The answers
are kept per server for the session: a server does not change while samantha talks to it.

Every question is optional: a server that answers none of them (OpenAI itself, a proxy) is
used as before, with the preset's values.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

#: Which server software answered, as far as the answers tell.
Flavour = Literal["llamacpp", "llama-cpp-python", "ollama", "openai-compatible"]
#: A context-overflow error, as llama.cpp ("exceed context window of N") and the OpenAI-style
#: servers, llama-cpp-python and vLLM ("maximum context length is N tokens") word it: the only
#: way llama-cpp-python tells its n_ctx.
_OVERFLOW = re.compile(
    r"(?:exceeds? (?:the )?context window of|maximum context length is) (\d+)", re.IGNORECASE
)
#: Ollama's own default context when a model sets no num_ctx.
OLLAMA_DEFAULT_CONTEXT = 4096


class ServerFacts(BaseModel):
    """What one server said about itself; None where it did not say."""

    flavour: Flavour = "openai-compatible"
    models: list[str] | None = None
    context_window: int | None = None
    #: Where to POST text to count it with the model's own tokenizer, and the field to send.
    tokenize_url: str | None = None
    tokenize_field: str = "content"
    #: Whether it interrupts a running reply when another request arrives (llama-cpp-python).
    interrupts: bool = False

    def knows(self, model: str) -> bool | None:
        """Whether ``model`` is served (None: the server listed nothing)."""
        if not self.models:
            return None
        return any(model == m or f"{model}:latest" == m for m in self.models)


_cache: dict[tuple[str, str], ServerFacts] = {}


def cached(base_url: str, model: str) -> ServerFacts | None:
    return _cache.get((base_url, model))


def forget() -> None:
    """Drop every server's answers (tests; a server restarted with another model)."""
    _cache.clear()


def root_of(base_url: str) -> str:
    """The server's root: the OpenAI routes live under /v1, the native ones beside it."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def context_from_error(text: str) -> int | None:
    """The context window a server names when a request overflowed it."""
    found = _OVERFLOW.search(text)
    return int(found.group(1)) if found else None


async def probe_server(client: Any, base_url: str, model: str) -> ServerFacts:
    """Ask once per server and model; later calls return the same answers. ``client`` is
    the adapter's ``AsyncOpenAI`` (its ``get``/``post`` take absolute addresses too), set to
    a short timeout and no retries: these questions must not hold up a reply."""
    key = (base_url, model)
    found = _cache.get(key)
    if found is None:
        # Two first turns asking at once ask twice: harmless, and no lock tied to one loop.
        found = await _ask(client, base_url, model)
        if found.models is not None or found.flavour != "openai-compatible":
            _cache[key] = found  # a server that answered nothing is asked again later
    return found


async def _ask(client: Any, base_url: str, model: str) -> ServerFacts:
    root = root_of(base_url)
    facts = ServerFacts()
    listing = await _get_json(client, f"{base_url.rstrip('/')}/models")
    if not isinstance(listing, dict):
        return facts  # no OpenAI model list: nothing else will answer either
    facts.models, facts.context_window = _models_of(listing, model)
    props = await _get_json(client, f"{root}/props")
    if isinstance(props, dict) and _llamacpp_context(props) is not None:
        facts.flavour = "llamacpp"
        facts.context_window = _llamacpp_context(props)
        facts.tokenize_url = f"{root}/tokenize"
        return facts
    show = await _post_json(client, f"{root}/api/show", {"model": model})
    if isinstance(show, dict) and ("model_info" in show or "parameters" in show):
        facts.flavour = "ollama"
        facts.context_window = _ollama_context(show)
        return facts
    count = await _post_json(client, f"{root}/extras/tokenize/count", {"input": "hi"})
    if isinstance(count, dict) and isinstance(count.get("count"), int):
        facts.flavour = "llama-cpp-python"
        facts.tokenize_url = f"{root}/extras/tokenize/count"
        facts.tokenize_field = "input"
        facts.interrupts = True
    return facts


async def count_tokens(client: Any, facts: ServerFacts, text: str) -> int | None:
    """``text`` counted by the server's own tokenizer, or None when it cannot say."""
    if facts.tokenize_url is None:
        return None
    answer = await _post_json(client, facts.tokenize_url, {facts.tokenize_field: text})
    return _count_of(answer)


def _count_of(answer: Any) -> int | None:
    if not isinstance(answer, dict):
        return None
    if isinstance(answer.get("count"), int):
        return int(answer["count"])
    tokens = answer.get("tokens")
    return len(tokens) if isinstance(tokens, list) else None


def blocking_counter(
    facts: ServerFacts, key: str | None, timeout: float = 2.0
) -> Callable[[str], int | None] | None:
    """The server's tokenizer as a blocking call, for the prompt builder's worker thread (a
    count per new message or section: the builder keeps them). ``None`` for a text the
    server did not count in time, so the caller falls back to its own estimate."""
    url = facts.tokenize_url
    if url is None:
        return None
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    field = facts.tokenize_field

    def count(text: str) -> int | None:
        body = json.dumps({field: text}).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return _count_of(json.loads(response.read()))
        except (OSError, ValueError):
            return None

    return count


def _models_of(listing: dict[str, Any], model: str) -> tuple[list[str] | None, int | None]:
    """The ids a model list names, and the context the wanted one was trained for (llama.cpp
    puts ``meta.n_ctx_train`` there; it is only a ceiling, ``/props`` says what is in use)."""
    data = listing.get("data")
    if not isinstance(data, list):
        return None, None
    ids: list[str] = []
    trained: int | None = None
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        ids.append(item["id"])
        meta = item.get("meta")
        if isinstance(meta, dict) and (item["id"] == model or len(data) == 1):
            value = meta.get("n_ctx") or meta.get("n_ctx_train")
            trained = value if isinstance(value, int) and value > 0 else trained
    return ids, trained


def _llamacpp_context(props: dict[str, Any]) -> int | None:
    settings = props.get("default_generation_settings")
    for where in (settings, props):
        if isinstance(where, dict):
            value = where.get("n_ctx")
            if isinstance(value, int) and value > 0:
                return value
    return None


def _ollama_context(show: dict[str, Any]) -> int | None:
    """The context Ollama runs the model with: its num_ctx parameter when the model sets one,
    else Ollama's default, never above what the model was trained for."""
    trained = None
    info = show.get("model_info")
    if isinstance(info, dict):
        for name, value in info.items():
            if name.endswith(".context_length") and isinstance(value, int):
                trained = value
    runtime = None
    parameters = show.get("parameters")
    if isinstance(parameters, str):
        found = re.search(r"^\s*num_ctx\s+(\d+)", parameters, re.MULTILINE)
        runtime = int(found.group(1)) if found else None
    chosen = runtime or OLLAMA_DEFAULT_CONTEXT
    return min(chosen, trained) if trained else chosen


async def _get_json(client: Any, url: str) -> Any:
    try:
        return await client.get(url, cast_to=object)
    except Exception:  # a server that does not answer this question: it is optional
        return None


async def _post_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    try:
        return await client.post(url, cast_to=object, body=body)
    except Exception:
        return None
