"""OpenAI and every server that speaks its API (Ollama, vLLM, llama.cpp, LM Studio).

The official client does the HTTP, streaming and retries (429, 5xx, dropped connections, with
Retry-After honoured); this adapter only maps its outcomes to sentences a user can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from samantha.backends import probe as server_probe
from samantha.backends.base import Chunk, ReplyRequest, Usage, fold_system, mid_system
from samantha.config import BackendSpec
from samantha.errors import (
    BackendAuthError,
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    ConfigError,
    ModelNotFound,
    RateLimited,
    StreamCutOff,
)
from samantha.urls import redact, url_problem

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class OpenAICompatBackend:
    can_stream = True
    serves_embeddings = True

    def __init__(self, spec: BackendSpec) -> None:
        self.name = spec.name
        self.model = spec.model
        #: 0 in a preset means "ask the server"; until it answers, the common 8192.
        self.context_window = spec.context_window or FALLBACK_CONTEXT
        self._window_given = spec.context_window > 0
        self.needs_key = spec.needs_key
        self._spec = spec
        self._client: AsyncOpenAI | None = None
        self._facts: server_probe.ServerFacts | None = None
        self._json_failures = 0
        #: Its chat template refused a system message after the first: fold them from now on.
        self._fold = False
        self._counter: Callable[[str], int | None] | None = None
        self._serial = asyncio.Lock()
        self._probing = asyncio.Lock()

    @property
    def follows_instructions(self) -> bool:
        """A language model can be asked for JSON (facts, insights, summaries), until it has
        failed to give any a few times running: then memory stops asking it this session."""
        return self._json_failures < JSON_FAILURES_TO_GIVE_UP

    def warm(self) -> None:
        """Import the client library now (half a second), so the first reply does not, and
        ask the server what it is (front ends call this off their event loop)."""
        import openai  # noqa: F401

        if self._facts is None and self._spec.base_url and self.name != "openai":
            with contextlib.suppress(Exception):
                asyncio.run(self._learn_server())

    async def _learn_server(self) -> server_probe.ServerFacts | None:
        """The server's own answers (cached per server for the session); a server that
        answers none of the questions leaves the preset's values in place. Asked through a
        client of its own, closed after: a short wait, no retries, and none of the reply's
        connections (``warm`` asks from another thread and loop)."""
        if self._facts is not None or not self._spec.base_url or self.name == "openai":
            return self._facts
        self._get_client()  # the same checks of the address and key first
        client = self._quick()
        try:
            facts = await server_probe.probe_server(client, self._spec.base_url, self.model)
        finally:
            await client.close()
        if facts.models is None and facts.flavour == "openai-compatible":
            return None
        self._facts = facts
        if facts.context_window and not self._window_given:
            self.context_window = facts.context_window
        if self.model == "default" and facts.models and len(facts.models) == 1:
            self.model = facts.models[0]  # the one model a single-model server runs
        return facts

    def _unknown_model(self) -> str | None:
        """The sentence for a model name the server does not serve, or None."""
        facts = self._facts
        if facts is None or facts.knows(self.model) is not False or self.model == "default":
            return None
        served = ", ".join(f"'{m}'" for m in (facts.models or [])[:5])
        return (
            f"{self.where} does not serve a model called '{self.model}': pick one it serves "
            f"with --model ({served})."
        )

    def tokenizer(self) -> Callable[[str], int | None] | None:
        facts = self._facts
        if facts is None or facts.tokenize_url is None:
            return None
        if self._counter is None:
            key = self._spec.api_key.get_secret_value() if self._spec.api_key else None
            self._counter = server_probe.blocking_counter(facts, key)
        return self._counter

    async def count_tokens(self, text: str) -> int | None:
        """``text`` counted by the server's own tokenizer, when it offers one."""
        facts = await self._learn_server()
        if facts is None:
            return None
        client = self._quick()
        try:
            return await server_probe.count_tokens(client, facts, text)
        finally:
            await client.close()

    def _quick(self) -> AsyncOpenAI:
        """A client for questions about the server: a short wait and no retries."""
        from openai import AsyncOpenAI

        key = self._spec.api_key.get_secret_value() if self._spec.api_key else None
        return AsyncOpenAI(
            api_key=key or "not-needed",
            base_url=self._spec.base_url,
            timeout=min(5.0, self._spec.timeout),
            max_retries=0,
        )

    @property
    def where(self) -> str:
        """The server as sentences name it: a key inside the address is never shown."""
        return redact(self._spec.base_url) if self._spec.base_url else "the server"

    def _get_client(self) -> AsyncOpenAI:
        if self._client is None:
            url = self._spec.base_url
            problem = url_problem(url) if url is not None else None
            if problem is not None:
                raise ConfigError(
                    f"The server address {self.where} cannot be used: {problem}; fix --base-url, "
                    "SAMANTHA_BASE_URL or base_url in the config file."
                )
            key = self._spec.api_key.get_secret_value() if self._spec.api_key else None
            if self.needs_key and not key:
                raise ConfigError(
                    f"The {self.name} backend needs an API key: set OPENAI_API_KEY or "
                    "SAMANTHA_API_KEY, or put api_key in the config file."
                )
            from openai import AsyncOpenAI

            self._client = AsyncOpenAI(
                # Local servers ignore the key, but the client insists on having one.
                api_key=key or "not-needed",
                base_url=self._spec.base_url,
                timeout=self._spec.timeout,
                max_retries=self._spec.max_retries,
            )
        return self._client

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        client = self._get_client()
        # Optional questions (the chat reports real failures), asked once: a second reply
        # waits for the answers, which say whether it may go out alongside the first.
        async with self._probing:
            with contextlib.suppress(Exception):
                await self._learn_server()
        unknown = self._unknown_model()
        if unknown is not None:
            raise ModelNotFound(unknown)
        schema = request.json_schema
        interrupts = self._facts is not None and self._facts.interrupts
        # llama-cpp-python drops a running reply when another request arrives: one at a time.
        async with self._serial if interrupts else contextlib.nullcontext():
            text: list[str] = []
            # Closed here, not when collected: Esc must end the request while the lock is held.
            async with contextlib.aclosing(self._stream(client, request, schema)) as chunks:
                async for chunk in chunks:
                    text.append(chunk.text)
                    yield chunk
        if schema is not None:
            self._note_json("".join(text))

    def _note_json(self, text: str) -> None:
        try:
            json.loads(_unfenced(text))
        except ValueError:
            self._json_failures += 1
        else:
            self._json_failures = 0

    def _structured(self, schema: dict[str, Any]) -> dict[str, Any]:
        """How this server is asked for JSON of a shape: Ollama's ``format``, llama.cpp's
        ``json_schema`` (turned into a grammar there), OpenAI's ``response_format``."""
        flavour = self._facts.flavour if self._facts is not None else "openai-compatible"
        if flavour == "ollama":
            return {"extra_body": {"format": schema}}
        if flavour == "llamacpp":
            return {"extra_body": {"json_schema": schema}}
        if flavour == "llama-cpp-python":
            return {"response_format": {"type": "json_object", "schema": schema}}
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema},
            }
        }

    async def _stream(
        self, client: AsyncOpenAI, request: ReplyRequest, schema: dict[str, Any] | None
    ) -> AsyncGenerator[Chunk, None]:
        messages = fold_system(request.messages) if self._fold else request.messages
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.max_tokens:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if schema is not None:
            kwargs.update(self._structured(schema))
        try:
            stream = await client.chat.completions.create(**kwargs)
        except Exception as exc:
            if not self._fold and mid_system(request.messages) and _refuses_roles(exc):
                # Its chat template allows a system message only first: fold it, from now on.
                self._fold = True
                kwargs["messages"] = [m.model_dump() for m in fold_system(request.messages)]
                try:
                    stream = await client.chat.completions.create(**kwargs)
                except Exception as again:
                    self._learn_window(again)
                    raise self._translate(again) from again
            else:
                self._learn_window(exc)
                raise self._translate(exc) from exc
        started = False
        finished = False
        #: The model asked for a tool (samantha offers none) instead of, or after, speaking.
        tool_call = False
        #: A high surrogate ending one chunk waits for its low half in the next.
        held = ""
        try:
            async for event in stream:
                usage = None
                if event.usage is not None:
                    usage = Usage(
                        prompt_tokens=event.usage.prompt_tokens,
                        completion_tokens=event.usage.completion_tokens,
                    )
                text = ""
                finish = None
                if event.choices:
                    choice = event.choices[0]
                    delta = choice.delta
                    text = delta.content or "" if delta else ""
                    if delta is not None and (delta.tool_calls or delta.function_call):
                        tool_call = True
                    finish = choice.finish_reason
                    text, held = _whole_characters(held + text, last=finish is not None)
                    # Some servers end a tool call with "stop": it is still no reply.
                    if finish is not None and tool_call and finish not in _CUT_SHORT:
                        finish = "tool_calls"
                finished = finished or finish is not None
                if text or usage or finish:
                    started = started or bool(text)
                    yield Chunk(text=text, usage=usage, finish_reason=finish)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not started:
                raise self._translate(exc) from exc
            raise StreamCutOff(
                f"The reply from {self.where} was cut off mid-way: what arrived is kept; "
                "press regenerate or send again to retry."
            ) from exc
        else:
            # Servers that drop a close-delimited stream end it cleanly, with no finish_reason.
            if not finished and started:
                raise StreamCutOff(
                    f"The reply from {self.where} stopped before it was finished: what arrived "
                    "is kept; send again to retry."
                )
            if not finished:
                raise BackendError(
                    f"{self.where} answered with an empty reply: check the model name and that "
                    "the server speaks the OpenAI chat API."
                )
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                # Closing a broken stream may fail again; there is nothing left to save.
                with contextlib.suppress(Exception):
                    await close()

    def _learn_window(self, exc: Exception) -> None:
        """A server that says how large its context is when a prompt overflowed it (as
        llama-cpp-python does) is believed: the next prompt is fitted to that."""
        window = server_probe.context_from_error(str(exc))
        if window and not self._window_given:
            self.context_window = window

    def _translate(self, exc: Exception) -> BackendError | ConfigError:
        import openai

        where = self.where
        if isinstance(exc, BackendError | ConfigError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            return BackendTimeout(
                f"{where} did not answer within {self._spec.timeout:g} seconds: check the server, "
                "or raise request_timeout in the config file."
            )
        if isinstance(exc, openai.APIConnectionError):
            return BackendUnreachable(
                f"Cannot reach {where}: start the server or check --base-url "
                "(or use --backend offline to chat without one)."
            )
        if isinstance(exc, openai.AuthenticationError):
            return BackendAuthError(
                f"{where} refused the API key (401): check OPENAI_API_KEY or SAMANTHA_API_KEY."
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return BackendAuthError(
                f"{where} says this key may not use model '{self.model}' (403): "
                "check the key's permissions or pick another model with --model."
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelNotFound(
                f"{where} has no model called '{self.model}' (404): pick one it serves with "
                "--model, or check --base-url ends in /v1."
            )
        if isinstance(exc, openai.RateLimitError):
            return RateLimited(
                f"{where} is rate-limiting requests (429){_retried(exc)}: wait a while and "
                "send again."
            )
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            if code == 413:
                return BackendRejected(
                    f"{where} says the request is too large (413): lower context_window "
                    "in the config file."
                )
            if code == 408:
                return BackendTimeout(f"{where} timed out the request (408): send it again.")
            if code >= 500:
                return BackendUnreachable(
                    f"{where} failed with a server error ({code}){_retried(exc)}: try again "
                    "later or check the server's log."
                )
            return BackendRejected(
                f"{where} rejected the request ({code}: {self._scrub(exc.message)}): "
                "check the model and settings with `samantha doctor`."
            )
        if isinstance(exc, openai.APIError):
            return BackendError(
                f"{where} sent a reply that could not be read ({self._scrub(str(exc))}): "
                "check the server is OpenAI-compatible and try again."
            )
        if isinstance(exc, ValueError | TypeError | AttributeError | KeyError | IndexError):
            # The client parses events lazily: broken JSON or a wrongly shaped event lands here.
            return BackendError(
                f"{where} answered with something that is not OpenAI chat data: "
                "check the server is OpenAI-compatible and try again."
            )
        return BackendUnreachable(
            f"Talking to {where} failed ({type(exc).__name__}): check the server and try again."
        )

    def _scrub(self, text: str) -> str:
        """Servers sometimes echo the key in error text, or the address with a key inside it;
        neither may reach a screen or log."""
        key = self._spec.api_key.get_secret_value() if self._spec.api_key else ""
        if key:
            text = text.replace(key, "***")
        text = _URL.sub(lambda match: redact(match.group()), text)
        return _short(text)

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        """Vectors for dense recall from ``/v1/embeddings`` (OpenAI, Ollama, vLLM ...)."""
        client = self._get_client()
        try:
            result = await client.embeddings.create(
                model=model or self.model, input=texts, encoding_format="float"
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        ordered = sorted(result.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]

    async def check(self) -> str:
        return (await self.probe())[1]

    async def probe(self) -> tuple[bool, str]:
        """Whether the server answers, and the sentence saying so (``doctor`` exits non-zero
        on a False)."""
        try:
            client = self._get_client()
            models = await client.models.list()
            ids = [m.id for m in models.data]
        except Exception as exc:
            return False, str(self._translate(exc))
        if ids and self.model not in ids and self.name == "openai":
            return False, f"{self.where} answers, but does not list model '{self.model}'."
        with contextlib.suppress(Exception):
            await self._learn_server()
        unknown = self._unknown_model()
        if unknown is not None:
            return False, unknown
        window = ""
        if self._facts is not None and self._facts.context_window:
            window = f" (context window {self.context_window} tokens, as the server says)"
        return True, f"{self.where} answers; model '{self.model}' is configured{window}."

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


#: The context window assumed until the server says (presets that ask it set 0).
FALLBACK_CONTEXT = 8192
#: JSON answers in a row that did not parse before a model is taken as unable to give JSON.
JSON_FAILURES_TO_GIVE_UP = 3


def _unfenced(text: str) -> str:
    """JSON with a Markdown code fence around it still counts as JSON."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    return text


#: Finish reasons that say the reply was cut short; passed on as they are.
_CUT_SHORT = frozenset({"length", "content_filter"})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str, *, last: bool) -> tuple[str, str]:
    """Text that can be stored and printed, and a trailing half-character to hold back.

    JSON lets a server send ``"\\ud83d"`` alone (or split a pair across two events); such a
    lone surrogate cannot be encoded as UTF-8, so the database and the terminal would refuse
    the whole reply. A pair split across chunks is joined; a true orphan becomes U+FFFD.
    """
    if _SURROGATE.search(text) is None:
        return text, ""
    held = ""
    if not last and "\ud800" <= text[-1] <= "\udbff":
        text, held = text[:-1], text[-1]
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined, held


def _refuses_roles(exc: Exception) -> bool:
    """A server whose chat template rejected where a system message stands (Gemma's and
    Mistral's raise "roles must alternate"; others name the system role)."""
    import openai

    if not isinstance(exc, openai.APIStatusError) or exc.status_code < 400:
        return False
    text = str(exc.message).lower()
    return any(word in text for word in ("alternate", "system", "role", "template"))


def _retried(exc: Exception) -> str:
    """' after N retries', counted from what the client really did (it skips retrying when
    the server asks for a long wait), or nothing when it did not retry."""
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None)
    headers = getattr(request, "headers", None)
    try:
        count = int(headers.get("x-stainless-retry-count", "0")) if headers is not None else 0
    except (TypeError, ValueError):
        count = 0
    if count <= 0:
        return ""
    return f" after {count} {'retry' if count == 1 else 'retries'}"


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
