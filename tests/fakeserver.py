"""A fake OpenAI-compatible HTTP server for tests (stdlib only, no network).

The server listens on ``127.0.0.1`` on a random free port and runs in a daemon
thread, so it works from sync tests, async tests and while a subprocess talks
to it::

    from tests.fakeserver import FakeOpenAI, stream, status

    with FakeOpenAI() as server:
        server.enqueue(stream(["Hel", "lo"], usage=(12, 2)), status(429, retry_after=1))
        client = openai.AsyncOpenAI(api_key="k", base_url=server.base_url, max_retries=0)
        ...
        assert server.last_json["model"] == "gpt-test"

or ``server = FakeOpenAI(); server.start(); ...; server.stop()``.

Endpoints
---------
``POST /v1/chat/completions``
    Each request consumes the next scripted response from ``server.queue``
    (a deque filled with :meth:`FakeOpenAI.enqueue`); when the queue is empty
    ``server.default`` answers.  A request whose body is not a JSON object gets
    a 400 and consumes nothing.
``GET /v1/models`` and ``GET /v1/models/{id}``
    Model list ``{"object": "list", "data": [{"id", "object": "model",
    "created": 0, "owned_by": "fake"}]}`` built from ``server.models``.  Set
    ``server.models_response`` to any response kind (e.g. ``status(401)``,
    ``hang_before_first_byte()``) to make the connection check fail instead.
``POST /v1/embeddings``
    Deterministic unit vectors derived from a SHA-256 of each input string;
    ``input`` may be a str or a list of str; dimension is
    ``server.embedding_dim`` (default 8) unless the request has
    ``dimensions``; honours ``encoding_format`` ``"float"``/``"base64"``
    (the openai client asks for base64 by default); includes ``usage``.
    ``server.embeddings_response`` overrides like ``models_response``.
``server.native[(method, path)] = obj``
    Answers that route (as sent, e.g. ``("GET", "/props")``) with 200 and
    ``obj`` as JSON, before anything above: llama.cpp, Ollama and
    llama-cpp-python's own routes, for tests of what a server says it is.
Anything else gets an OpenAI-style 404.  If ``api_key`` is given to the
constructor, requests without ``Authorization: Bearer <api_key>`` get a 401.

Every request is recorded first (before any answer, so hung requests show up)
in ``server.requests`` as :class:`RecordedRequest` (method, path, lower-cased
headers, parsed ``json`` or None, raw ``body``).  ``server.last_json``,
``server.chat_requests`` and ``server.wait_for_requests(n)`` are conveniences;
``server.reset()`` forgets requests and the queue.

Response kinds (dataclasses; build them with the factory functions)
--------------------------------------------------------------------
``stream(text_chunks, usage=None, delay=0.0, finish_reason="stop", *, chunked=True)``
    SSE ``text/event-stream``: one ``chat.completion.chunk`` per text chunk
    (the first delta also carries ``role: "assistant"``; with no chunks a
    single role-only delta with ``content: ""`` is sent), then a chunk with an
    empty delta and ``finish_reason``, then (if ``usage=(prompt, completion)``
    was given) a chunk with ``choices: []`` and ``usage``, then
    ``data: [DONE]``.  ``delay`` seconds are waited before *each* text chunk
    (headers go out immediately).  If the request asked for
    ``stream_options.include_usage`` the other chunks carry ``"usage": null``
    like the real API.  A non-stream request gets a ``chat.completion`` of the
    joined text instead.
``long_stream(n_chunks, chunk=None, delay=0.0, usage=None)``
    A ``Stream`` of ``n_chunks`` chunks: ``"w0 "``, ``"w1 "``, ... (or
    ``chunk`` repeated if given); ``max_tokens`` is ignored.
``complete(text, usage=None, finish_reason="stop")``
    A non-streamed ``chat.completion`` JSON.  A stream request gets the text as
    a one-chunk stream instead.
``status(code, message=None, retry_after=None, error_type=None, code_str=None, headers=None)``
    That HTTP status with ``{"error": {"message", "type", "param": null,
    "code"}}`` (sensible type/code defaults per status; 400/401/403/404/408/
    413/429/500/502/503 and any other code) and, if ``retry_after`` is given,
    a ``Retry-After`` header (seconds); ``headers`` adds more (e.g.
    ``{"x-should-retry": "false"}``).  Same answer for stream requests.
``hang_before_first_byte(max_seconds=None)``
    Reads the request and sends nothing until the server stops (or until
    ``max_seconds``), then closes the connection without a response.
``drop_before_response()``
    Reads the request and closes the connection at once, without a response
    (a proxy or a crashing server; clients see "server disconnected").
``stall_mid_stream(chunks_before=1, max_seconds=None)``
    Sends headers (``Connection: close``) and ``chunks_before`` content chunks (texts ``"part0 "``,
    ``"part1 "``, ...), then no more bytes until stop / ``max_seconds``, then
    closes the connection abruptly.  (Non-stream request: headers with the
    full Content-Length, half the JSON body, then the stall.)
``cut_mid_stream(chunks_before=1, rst=False)``
    Sends headers (``Connection: close``) and ``chunks_before`` content chunks
    (same texts), then shuts the socket down without ``[DONE]`` and without
    the terminating zero-length chunk (``rst=True`` sends a TCP RST instead of
    a FIN).  (Non-stream request: half the JSON body, then the cut.)
``malformed_sse(lines, separator="\\n\\n", done=False)``
    A 200 ``text/event-stream`` whose body is each raw line followed by
    ``separator`` (so ``"data: {not json"`` is one complete event), plus
    ``data: [DONE]`` if ``done``.
``invalid_json(status=200, body="this is not json {", content_type="application/json")``
    A response whose body is not JSON (any request; e.g. ``content_type=
    "text/html"`` mimics a proxy's error page).
``stream_error(message="...", chunks_before=0, error_type="server_error")``
    A stream that sends ``chunks_before`` content chunks and then an SSE event
    ``data: {"error": {...}}`` and ends the body (no ``[DONE]``), as the real
    API does for mid-stream failures.
``tool_calls(text_chunks=(), name="get_weather", finish_reason="tool_calls")``
    A reply that asks for a tool: the text chunks (often none), then deltas
    carrying ``tool_calls`` (the call's id and name, then its arguments in two
    pieces), then ``finish_reason`` (some servers say ``"stop"`` here), then
    ``[DONE]``.  A non-stream request gets a ``chat.completion`` whose message
    has ``content: null`` and ``tool_calls``.

Streamed bodies use ``Transfer-Encoding: chunked`` like the real API (so a
cut is detectable by the client); every stream-ish kind has a ``chunked``
field, set it to False for a close-delimited body (``Connection: close``, no
length).  Handler log output is silenced; unexpected handler exceptions are
collected in ``server.errors`` instead of printed.

``refused_base_url()`` returns a base URL on a port that was bound and closed,
so connecting to it is refused; ``FakeOpenAI(port=...)`` can later serve on that
same port (a server that was down and came back).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import http
import json
import math
import socket
import struct
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "Complete",
    "Cut",
    "FakeOpenAI",
    "Hang",
    "InvalidJSON",
    "MalformedSSE",
    "RecordedRequest",
    "Response",
    "Stall",
    "Status",
    "Stream",
    "StreamError",
    "ToolCalls",
    "complete",
    "cut_mid_stream",
    "drop_before_response",
    "hang_before_first_byte",
    "invalid_json",
    "long_stream",
    "malformed_sse",
    "refused_base_url",
    "stall_mid_stream",
    "status",
    "stream",
    "stream_error",
    "tool_calls",
]

CREATED = 1_700_000_000
DEFAULT_MODEL = "fake-model"


# --------------------------------------------------------------------------
# response kinds


class Response:
    """Base class of all scripted response kinds."""


@dataclass
class Stream(Response):
    chunks: list[str]
    usage: tuple[int, int] | None = None
    delay: float = 0.0
    finish_reason: str = "stop"
    chunked: bool = True


@dataclass
class Complete(Response):
    text: str
    usage: tuple[int, int] | None = None
    finish_reason: str = "stop"


@dataclass
class Status(Response):
    code: int
    message: str | None = None
    retry_after: float | None = None
    error_type: str | None = None
    code_str: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang(Response):
    max_seconds: float | None = None


@dataclass
class Stall(Response):
    chunks_before: int = 1
    max_seconds: float | None = None
    chunked: bool = True


@dataclass
class Cut(Response):
    chunks_before: int = 1
    rst: bool = False
    chunked: bool = True


@dataclass
class MalformedSSE(Response):
    lines: list[str]
    separator: str = "\n\n"
    done: bool = False
    chunked: bool = True


@dataclass
class InvalidJSON(Response):
    status: int = 200
    body: str = "this is not json {"
    content_type: str = "application/json"


@dataclass
class StreamError(Response):
    message: str = "The server had an error while processing your request."
    chunks_before: int = 0
    error_type: str = "server_error"
    chunked: bool = True


@dataclass
class ToolCalls(Response):
    chunks: list[str] = field(default_factory=list)
    name: str = "get_weather"
    finish_reason: str = "tool_calls"


def stream(
    text_chunks: Sequence[str],
    usage: tuple[int, int] | None = None,
    delay: float = 0.0,
    finish_reason: str = "stop",
    *,
    chunked: bool = True,
) -> Stream:
    """SSE stream of ``text_chunks``; see the module docstring."""
    return Stream(list(text_chunks), usage, delay, finish_reason, chunked)


def long_stream(
    n_chunks: int,
    chunk: str | None = None,
    delay: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> Stream:
    """A very long stream: chunk ``i`` is ``f"w{i} "`` (or ``chunk`` if given)."""
    chunks = [chunk if chunk is not None else f"w{i} " for i in range(n_chunks)]
    return Stream(chunks, usage, delay, "stop")


def complete(
    text: str, usage: tuple[int, int] | None = None, finish_reason: str = "stop"
) -> Complete:
    """Non-streamed ``chat.completion`` with ``text``."""
    return Complete(text, usage, finish_reason)


def status(
    code: int,
    message: str | None = None,
    retry_after: float | None = None,
    error_type: str | None = None,
    code_str: str | None = None,
    headers: dict[str, str] | None = None,
) -> Status:
    """HTTP ``code`` with an OpenAI-style error body (and optional Retry-After)."""
    return Status(code, message, retry_after, error_type, code_str, dict(headers or {}))


def hang_before_first_byte(max_seconds: float | None = None) -> Hang:
    """Never answer (until stop or ``max_seconds``, then close the connection)."""
    return Hang(max_seconds)


def drop_before_response() -> Hang:
    """Read the request, then close the connection without a byte of answer."""
    return Hang(0.0)


def stall_mid_stream(chunks_before: int = 1, max_seconds: float | None = None) -> Stall:
    """Send ``chunks_before`` chunks, then stall until stop / ``max_seconds``."""
    return Stall(chunks_before, max_seconds)


def cut_mid_stream(chunks_before: int = 1, rst: bool = False) -> Cut:
    """Send ``chunks_before`` chunks, then close the TCP connection abruptly."""
    return Cut(chunks_before, rst)


def malformed_sse(
    lines: Sequence[str], separator: str = "\n\n", done: bool = False
) -> MalformedSSE:
    """200 event-stream whose body is the raw ``lines``, each + ``separator``."""
    return MalformedSSE(list(lines), separator, done)


def invalid_json(
    status: int = 200,
    body: str = "this is not json {",
    content_type: str = "application/json",
) -> InvalidJSON:
    """A response (``application/json`` by default) whose body does not parse."""
    return InvalidJSON(status, body, content_type)


def stream_error(
    message: str = "The server had an error while processing your request.",
    chunks_before: int = 0,
    error_type: str = "server_error",
) -> StreamError:
    """Stream ``chunks_before`` chunks, then an SSE ``{"error": ...}`` event."""
    return StreamError(message, chunks_before, error_type)


def tool_calls(
    text_chunks: Sequence[str] = (), name: str = "get_weather", finish_reason: str = "tool_calls"
) -> ToolCalls:
    """A reply that is (or ends in) a request to call the tool ``name``; see the docstring."""
    return ToolCalls(list(text_chunks), name, finish_reason)


def refused_base_url() -> str:
    """``http://127.0.0.1:PORT/v1`` for a port that was just bound and closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# default (type, code) of the error body per HTTP status
_ERROR_DEFAULTS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout_error", "request_timeout"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "gateway_timeout"),
}


def _error_body(resp: Status) -> dict[str, Any]:
    default_type, default_code = _ERROR_DEFAULTS.get(
        resp.code, ("server_error" if resp.code >= 500 else "invalid_request_error", None)
    )
    message = resp.message
    if message is None:
        try:
            phrase = http.HTTPStatus(resp.code).phrase
        except ValueError:
            phrase = "Error"
        message = f"Fake error {resp.code}: {phrase}"
    return {
        "error": {
            "message": message,
            "type": resp.error_type or default_type,
            "param": None,
            "code": resp.code_str if resp.code_str is not None else default_code,
        }
    }


def _embedding(text: str, dim: int) -> list[float]:
    raw = b""
    counter = 0
    while len(raw) < 4 * dim:
        raw += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    ints = struct.unpack(f"<{dim}I", raw[: 4 * dim])
    vec = [(i / 0xFFFFFFFF) * 2.0 - 1.0 for i in ints]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    # round-trip through float32 so float and base64 encodings agree exactly
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(v / norm for v in vec))))


# --------------------------------------------------------------------------
# recording


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    body: bytes = b""


# --------------------------------------------------------------------------
# server


class _Aborted(Exception):
    """The server is stopping (or the client went away): drop the response."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, fake: FakeOpenAI, port: int = 0) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]  # sys.exception() is 3.12+; samantha supports 3.11
        if exc is not None and not isinstance(exc, OSError):
            self.fake.errors.append(exc)


class _Chunks:
    """Builds ``chat.completion.chunk`` payloads for one response."""

    def __init__(self, cid: str, model: str, include_usage: bool) -> None:
        self.cid = cid
        self.model = model
        self.include_usage = include_usage
        self.first = True

    def _base(self) -> dict[str, Any]:
        return {
            "id": self.cid,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": self.model,
            "system_fingerprint": "fp_fake",
        }

    def delta(self, text: str) -> dict[str, Any]:
        d: dict[str, Any] = {"content": text}
        if self.first:
            d = {"role": "assistant", "content": text}
            self.first = False
        obj = self._base()
        obj["choices"] = [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None}]
        if self.include_usage:
            obj["usage"] = None
        return obj

    def tool_delta(self, call: dict[str, Any]) -> dict[str, Any]:
        d: dict[str, Any] = {"content": None, "tool_calls": [call]}
        if self.first:
            d["role"] = "assistant"
            self.first = False
        obj = self._base()
        obj["choices"] = [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None}]
        if self.include_usage:
            obj["usage"] = None
        return obj

    def final(self, finish_reason: str) -> dict[str, Any]:
        obj = self._base()
        obj["choices"] = [
            {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish_reason}
        ]
        if self.include_usage:
            obj["usage"] = None
        return obj

    def usage(self, usage: tuple[int, int]) -> dict[str, Any]:
        obj = self._base()
        obj["choices"] = []
        obj["usage"] = _usage(usage)
        return obj


def _usage(usage: tuple[int, int]) -> dict[str, int]:
    p, c = usage
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    _chunked = False

    # silence
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._untrack(self.connection)

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake

    # ---- entry points
    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        fake = self.fake
        body = self._read_body()
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        rec = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            json=parsed,
            body=body,
        )
        fake._record(rec)
        try:
            self._route(rec)
        except _Aborted:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _route(self, rec: RecordedRequest) -> None:
        fake = self.fake
        path = urlsplit(rec.path).path.rstrip("/")
        if (rec.method, path) in fake.native:
            self._json(200, fake.native[(rec.method, path)])
            return
        if path.startswith("/v1/") or path == "/v1":
            path = path[3:]
        if fake.api_key is not None and (
            rec.headers.get("authorization") != f"Bearer {fake.api_key}"
        ):
            self._status(status(401, "Incorrect API key provided (fake)."))
            return
        method = rec.method
        if method == "POST" and path == "/chat/completions":
            if not isinstance(rec.json, dict):
                self._status(status(400, "We could not parse the JSON body of your request."))
                return
            self._serve_chat(fake._next_response(), rec.json, fake._next_id())
        elif method == "GET" and path == "/models":
            override = fake.models_response
            if override is not None:
                self._serve_chat(override, {}, fake._next_id())
                return
            data = [_model_obj(m) for m in fake.models]
            self._json(200, {"object": "list", "data": data})
        elif method == "GET" and path.startswith("/models/"):
            override = fake.models_response
            if override is not None:
                self._serve_chat(override, {}, fake._next_id())
                return
            mid = unquote(path[len("/models/") :])
            if mid in fake.models:
                self._json(200, _model_obj(mid))
            else:
                self._status(status(404, f"The model '{mid}' does not exist"))
        elif method == "POST" and path == "/embeddings":
            override = fake.embeddings_response
            if override is not None:
                self._serve_chat(override, {}, fake._next_id())
                return
            self._embeddings(rec.json)
        else:
            self._status(status(404, f"Unknown request URL: {method} {rec.path}"))

    # ---- low-level writing
    def _head(
        self, code: int, headers: dict[str, str], *, chunked: bool = False, close: bool = False
    ) -> None:
        self.send_response(code)
        self.send_header("x-request-id", f"req_fake_{len(self.fake.requests)}")
        self.send_header("openai-processing-ms", "1")
        for k, v in headers.items():
            self.send_header(k, v)
        self._chunked = chunked
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _write(self, data: bytes) -> None:
        if self.fake._stopping.is_set():
            raise _Aborted
        if self._chunked:
            if not data:
                return
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.wfile.write(data)
        self.wfile.flush()

    def _end(self) -> None:
        if self._chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _wait(self, seconds: float | None) -> None:
        """Sleep ``seconds`` (None: forever) but wake up when the server stops."""
        if seconds is not None and seconds <= 0:
            return
        if self.fake._stopping.wait(seconds):
            raise _Aborted

    def _json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        h = {"Content-Type": "application/json", "Content-Length": str(len(data))}
        h.update(headers or {})
        self._head(code, h)
        self.wfile.write(data)
        self.wfile.flush()

    def _status(self, resp: Status) -> None:
        headers = dict(resp.headers)
        if resp.retry_after is not None:
            ra = resp.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else repr(float(ra))
        self._json(resp.code, _error_body(resp), headers)

    def _sse_head(self, chunked: bool, close: bool = False) -> None:
        headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
        # keep-alive is only possible with chunked framing
        self._head(200, headers, chunked=chunked, close=close or not chunked)

    def _abort_socket(self, rst: bool) -> None:
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            if rst:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    # ---- chat completions
    def _serve_chat(self, resp: Response, req: dict[str, Any], cid: str) -> None:
        model = _model_name(req)
        is_stream = bool(req.get("stream"))
        opts = req.get("stream_options")
        include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
        chunks = _Chunks(cid, model, include_usage)

        def completion(text: str, usage: tuple[int, int] | None, finish: str) -> dict[str, Any]:
            obj: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion",
                "created": CREATED,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": finish,
                    }
                ],
            }
            if usage is not None:
                obj["usage"] = _usage(usage)
            return obj

        if isinstance(resp, Status):
            self._status(resp)
        elif isinstance(resp, InvalidJSON):
            data = resp.body.encode()
            self._head(
                resp.status,
                {"Content-Type": resp.content_type, "Content-Length": str(len(data))},
            )
            self.wfile.write(data)
            self.wfile.flush()
        elif isinstance(resp, Hang):
            self.close_connection = True
            self._wait(resp.max_seconds)
            self._abort_socket(rst=False)
        elif isinstance(resp, Complete | Stream):
            if isinstance(resp, Complete):
                texts, delay, chunked = [resp.text], 0.0, True
            else:
                texts, delay, chunked = resp.chunks, resp.delay, resp.chunked
            if not is_stream:
                self._wait(delay * len(texts))
                self._json(200, completion("".join(texts), resp.usage, resp.finish_reason))
                return
            self._sse_head(chunked)
            for text in texts or [""]:
                self._wait(delay)
                self._write(_sse(chunks.delta(text)))
            self._write(_sse(chunks.final(resp.finish_reason)))
            if resp.usage is not None:
                self._write(_sse(chunks.usage(resp.usage)))
            self._write(b"data: [DONE]\n\n")
            self._end()
        elif isinstance(resp, Stall | Cut):
            if is_stream:
                self._sse_head(resp.chunked, close=True)
                for i in range(resp.chunks_before):
                    self._write(_sse(chunks.delta(f"part{i} ")))
            else:
                parts = "".join(f"part{i} " for i in range(resp.chunks_before))
                data = json.dumps(completion(parts, None, "stop")).encode()
                headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
                self._head(200, headers, close=True)
                self._write(data[: len(data) // 2])
            if isinstance(resp, Stall):
                self.close_connection = True
                self._wait(resp.max_seconds)
                self._abort_socket(rst=False)
            else:
                self._abort_socket(rst=resp.rst)
        elif isinstance(resp, MalformedSSE):
            self._sse_head(resp.chunked)
            for line in resp.lines:
                self._write(line.encode() + resp.separator.encode())
            if resp.done:
                self._write(b"data: [DONE]\n\n")
            self._end()
        elif isinstance(resp, ToolCalls):
            call = {"id": "call_fake_1", "type": "function"}
            if not is_stream:
                obj = completion("".join(resp.chunks), None, resp.finish_reason)
                message = obj["choices"][0]["message"]
                message["content"] = "".join(resp.chunks) or None
                message["tool_calls"] = [
                    {**call, "function": {"name": resp.name, "arguments": '{"city": "Oslo"}'}}
                ]
                self._json(200, obj)
                return
            self._sse_head(True)
            for text in resp.chunks:
                self._write(_sse(chunks.delta(text)))
            pieces = [
                {"index": 0, **call, "function": {"name": resp.name, "arguments": ""}},
                {"index": 0, "function": {"arguments": '{"city": '}},
                {"index": 0, "function": {"arguments": '"Oslo"}'}},
            ]
            for piece in pieces:
                self._write(_sse(chunks.tool_delta(piece)))
            self._write(_sse(chunks.final(resp.finish_reason)))
            self._write(b"data: [DONE]\n\n")
            self._end()
        elif isinstance(resp, StreamError):
            self._sse_head(resp.chunked)
            for i in range(resp.chunks_before):
                self._write(_sse(chunks.delta(f"part{i} ")))
            err = {
                "error": {
                    "message": resp.message,
                    "type": resp.error_type,
                    "param": None,
                    "code": None,
                }
            }
            self._write(_sse(err))
            self._end()
        else:  # pragma: no cover - programming error in a test
            raise TypeError(f"unknown fake response kind: {resp!r}")

    # ---- embeddings
    def _embeddings(self, req: Any) -> None:
        if not isinstance(req, dict) or "input" not in req:
            self._status(status(400, "'input' is a required property"))
            return
        inp = req["input"]
        if isinstance(inp, str):
            inputs = [inp]
        elif isinstance(inp, list) and all(isinstance(x, str) for x in inp):
            inputs = inp
        else:
            self._status(status(400, "'input' must be a string or a list of strings"))
            return
        dim = req.get("dimensions") or self.fake.embedding_dim
        if not isinstance(dim, int) or dim <= 0:
            self._status(status(400, "'dimensions' must be a positive integer"))
            return
        b64 = req.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(inputs):
            vec = _embedding(text, dim)
            emb: Any = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(max(1, len(t.split())) for t in inputs)
        model = _model_name(req)
        self._json(
            200,
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


def _model_name(req: dict[str, Any]) -> str:
    model = req.get("model")
    return model if isinstance(model, str) else DEFAULT_MODEL


def _model_obj(mid: str) -> dict[str, Any]:
    return {"id": mid, "object": "model", "created": 0, "owned_by": "fake"}


class FakeOpenAI:
    """Fake OpenAI-compatible server on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *responses: Response,
        default: Response | None = None,
        models: Iterable[str] = (DEFAULT_MODEL,),
        embedding_dim: int = 8,
        api_key: str | None = None,
        port: int = 0,
    ) -> None:
        self.queue: collections.deque[Response] = collections.deque(responses)
        self.default: Response = (
            default if default is not None else stream(["Hello", " from", " fake"], usage=(5, 3))
        )
        self.models: list[str] = list(models)
        self.embedding_dim = embedding_dim
        self.api_key = api_key
        self.models_response: Response | None = None
        self.embeddings_response: Response | None = None
        #: Other servers' own routes, answered with 200 and this JSON: (method, path) keys,
        #: the path as sent (``("GET", "/props")``, ``("POST", "/api/show")``). They take
        #: precedence, so ``("GET", "/v1/models")`` can add llama.cpp's ``meta`` block.
        self.native: dict[tuple[str, str], Any] = {}
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = 0
        self._port = port

    # ---- lifecycle
    def start(self) -> FakeOpenAI:
        if self._httpd is not None:
            raise RuntimeError("FakeOpenAI already started (create a new one to restart)")
        self._httpd = _HTTPServer(self, self._port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeOpenAI:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving; wakes stalled handlers and drops open connections."""
        httpd = self._httpd
        if httpd is None or self._stopping.is_set():
            return
        self._stopping.set()
        closer = threading.Thread(target=httpd.shutdown, daemon=True)
        closer.start()
        closer.join(timeout)
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None and not self._stopping.is_set()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- scripting
    def enqueue(self, *responses: Response) -> FakeOpenAI:
        """Append responses for the next chat completion requests (in order)."""
        with self._cond:
            self.queue.extend(responses)
        return self

    def _next_response(self) -> Response:
        with self._cond:
            return self.queue.popleft() if self.queue else self.default

    def _next_id(self) -> str:
        with self._cond:
            self._ids += 1
            return f"chatcmpl-fake{self._ids}"

    # ---- recording
    def _record(self, rec: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(rec)
            self._cond.notify_all()

    @property
    def last_json(self) -> Any:
        """Parsed JSON body of the most recent request (None if none/not JSON)."""
        with self._cond:
            return self.requests[-1].json if self.requests else None

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded ``POST .../chat/completions`` requests."""
        with self._cond:
            return [
                r
                for r in self.requests
                if r.method == "POST" and urlsplit(r.path).path.endswith("/chat/completions")
            ]

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` requests were recorded; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.requests) >= n, timeout)

    def wait_for_chat_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` chat completions were asked for; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._chats()) >= n, timeout)

    def _chats(self) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and urlsplit(r.path).path.rstrip("/").endswith("/chat/completions")
        ]

    def reset(self) -> None:
        """Forget recorded requests and scripted responses."""
        with self._cond:
            self.requests.clear()
            self.queue.clear()

    # ---- connection tracking (so stop() can wake blocked handlers)
    def _track(self, conn: socket.socket) -> None:
        with self._cond:
            self._conns.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._cond:
            self._conns.discard(conn)
