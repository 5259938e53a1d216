"""A fake OpenAI-compatible audio server on 127.0.0.1 (stdlib only), for tests and the benchmark.

``POST /v1/audio/speech`` answers a small WAV (16-bit mono, ``rate`` Hz, one millisecond of
tone per character of ``input``), written as streaming servers write it: the size fields say
0xFFFFFFFF. ``delay`` seconds pass first (``delays`` sets one per input text).
``POST /v1/audio/transcriptions`` reads the multipart form and answers
``{"text": server.transcript}``. ``server.fail`` holds status codes to answer the next
requests with, in order. Every request is recorded in ``server.requests`` before it is answered.
"""

from __future__ import annotations

import collections
import email.parser
import email.policy
import json
import math
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RATE = 24_000


def tone(chars: int, rate: int = RATE) -> bytes:
    """``chars`` milliseconds of a quiet 440 Hz tone, as 16-bit PCM."""
    frames = max(1, chars) * rate // 1000
    return struct.pack(
        f"<{frames}h", *(int(3000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(frames))
    )


def wav(pcm: bytes, rate: int = RATE, *, streaming: bool = True) -> bytes:
    """A WAV file around ``pcm``; ``streaming`` leaves the sizes unknown, as servers do."""
    riff = 0xFFFFFFFF if streaming else 36 + len(pcm)
    data = 0xFFFFFFFF if streaming else len(pcm)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data)
        + pcm
    )


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    #: time.perf_counter() when the request arrived (the benchmark reads it).
    at: float = 0.0


class FakeAudio:
    def __init__(self, *, delay: float = 0.0, transcript: str = "Hello there.") -> None:
        self.delay = delay
        self.delays: dict[str, float] = {}
        self.transcript = transcript
        self.rate = RATE
        self.fail: collections.deque[int] = collections.deque()
        self.requests: list[Recorded] = []
        #: Handler failures other than the client hanging up (which barge-in does on purpose).
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def speech(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.endswith("/audio/speech")]

    @property
    def transcriptions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/audio/transcriptions")]

    def start(self) -> FakeAudio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the client's delayed ACK
            # would add 40 ms to every answer, which real servers do not.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                fake._answer(self)

        self._server = _Quiet(("127.0.0.1", 0), Handler)
        self._server.errors = self.errors
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAudio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        record = Recorded(path=handler.path, headers=headers, at=time.perf_counter())
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            record.json = json.loads(body or b"null")
        elif content_type.startswith("multipart/form-data"):
            record.form, record.files = _multipart(content_type, body)
        with self._lock:
            self.requests.append(record)
            failing = self.fail.popleft() if self.fail else None
        if failing is not None:
            error = {"error": {"message": f"fake failure {failing}", "type": "server_error"}}
            return _send(handler, failing, json.dumps(error).encode(), "application/json")
        if handler.path.endswith("/audio/speech") and isinstance(record.json, dict):
            text = str(record.json.get("input", ""))
            time.sleep(self.delays.get(text, self.delay))
            pcm = tone(len(text), self.rate)
            if record.json.get("response_format") == "pcm":
                return _send(handler, 200, pcm, "audio/pcm")
            return _send(handler, 200, wav(pcm, self.rate), "audio/wav")
        if handler.path.endswith("/audio/transcriptions"):
            payload = json.dumps({"text": self.transcript}).encode()
            return _send(handler, 200, payload, "application/json")
        missing = {"error": {"message": "not found", "type": "invalid_request_error"}}
        return _send(handler, 404, json.dumps(missing).encode(), "application/json")


class _Quiet(ThreadingHTTPServer):
    """Keeps handler failures in ``errors`` instead of printing them over the test output."""

    errors: list[BaseException]

    def handle_error(self, request: Any, client_address: Any) -> None:
        failure = sys.exc_info()[1]
        if failure is not None and not isinstance(failure, ConnectionError):
            self.errors.append(failure)


def _send(handler: BaseHTTPRequestHandler, code: int, body: bytes, content_type: str) -> None:
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename:
            files[name] = (filename, data)
        else:
            form[name] = data.decode()
    return form, files
