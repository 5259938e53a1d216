"""Tests of the fake OpenAI server itself (stdlib HTTP clients only)."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakeserver import (
    FakeOpenAI,
    complete,
    cut_mid_stream,
    hang_before_first_byte,
    invalid_json,
    malformed_sse,
    refused_base_url,
    stall_mid_stream,
    status,
    stream,
    stream_error,
)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as srv:
        yield srv


@contextlib.contextmanager
def _post(
    srv: FakeOpenAI, path: str, body: dict[str, Any], timeout: float = 3.0
) -> Iterator[http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"},
        )
        yield conn.getresponse()
    finally:
        conn.close()


def _chat(
    srv: FakeOpenAI, stream_: bool, timeout: float = 3.0
) -> contextlib.AbstractContextManager[http.client.HTTPResponse]:
    body: dict[str, Any] = {"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}
    if stream_:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return _post(srv, "/v1/chat/completions", body, timeout)


def _chat_body(srv: FakeOpenAI, stream_: bool) -> bytes:
    with _chat(srv, stream_) as resp:
        return resp.read()


def _events(raw: bytes) -> list[str]:
    return [e[len("data: ") :] for e in raw.decode().split("\n\n") if e]


def test_base_url_and_port(server: FakeOpenAI) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert server.port > 0


def test_stream_shape_and_recording(server: FakeOpenAI) -> None:
    server.enqueue(stream(["Hel", "lo"], usage=(7, 2)))
    with _chat(server, stream_=True) as resp:
        assert resp.status == 200
        assert resp.getheader("Content-Type", "").startswith("text/event-stream")
        events = _events(resp.read())

    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert [c["object"] for c in chunks] == ["chat.completion.chunk"] * 4
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "Hel"}
    assert chunks[1]["choices"][0]["delta"] == {"content": "lo"}
    assert chunks[0]["choices"][0]["finish_reason"] is None
    assert chunks[2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[3]["choices"] == []
    assert chunks[3]["usage"] == {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
    assert all(c["model"] == "gpt-test" for c in chunks)

    [req] = server.requests
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.headers["authorization"] == "Bearer sk-test"
    assert server.last_json is not None
    assert server.last_json["stream_options"] == {"include_usage": True}
    assert server.chat_requests == [req]


def test_queue_then_default_and_non_stream(server: FakeOpenAI) -> None:
    server.default = complete("fallback", usage=(1, 1))
    server.enqueue(stream(["a", "b"], usage=(3, 4)), complete("second"))

    first = json.loads(_chat_body(server, stream_=False))
    assert first["object"] == "chat.completion"
    assert first["choices"][0]["message"] == {
        "role": "assistant",
        "content": "ab",
        "refusal": None,
    }
    assert first["usage"]["total_tokens"] == 7

    second = _events(_chat_body(server, stream_=True))
    assert json.loads(second[0])["choices"][0]["delta"]["content"] == "second"

    third = json.loads(_chat_body(server, stream_=False))
    assert third["choices"][0]["message"]["content"] == "fallback"
    assert len(server.queue) == 0


def test_status_error_with_retry_after(server: FakeOpenAI) -> None:
    server.enqueue(status(429, "slow down", retry_after=2.5), status(401))
    with _chat(server, stream_=True) as resp:
        assert resp.status == 429
        assert resp.getheader("Retry-After") == "2.5"
        body = json.loads(resp.read())
    assert body == {
        "error": {
            "message": "slow down",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    with _chat(server, stream_=False) as resp:
        assert resp.status == 401
        assert resp.getheader("Retry-After") is None
        assert json.loads(resp.read())["error"]["code"] == "invalid_api_key"


def _get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def test_models_and_unknown_path() -> None:
    with FakeOpenAI(models=["m1", "m2"]) as srv:
        with urllib.request.urlopen(srv.base_url + "/models", timeout=3) as r:
            data = json.loads(r.read())
        assert data["object"] == "list"
        assert [m["id"] for m in data["data"]] == ["m1", "m2"]
        assert data["data"][0] == {"id": "m1", "object": "model", "created": 0, "owned_by": "fake"}
        assert _get_status(srv.base_url + "/nope") == 404
        srv.models_response = status(401)
        assert _get_status(srv.base_url + "/models") == 401


def test_embeddings_deterministic_float_and_base64() -> None:
    with FakeOpenAI(embedding_dim=4) as srv:
        with _post(srv, "/v1/embeddings", {"model": "e", "input": "cat"}) as resp:
            one = json.loads(resp.read())
        req = {"model": "e", "input": ["dog", "cat"], "encoding_format": "base64"}
        with _post(srv, "/v1/embeddings", req) as resp:
            many = json.loads(resp.read())
    vec = one["data"][0]["embedding"]
    assert len(vec) == 4
    assert abs(sum(v * v for v in vec) - 1.0) < 1e-5
    assert one["usage"]["prompt_tokens"] > 0
    assert [d["index"] for d in many["data"]] == [0, 1]
    decoded = [list(struct.unpack("<4f", base64.b64decode(d["embedding"]))) for d in many["data"]]
    assert decoded[1] == vec  # same input -> same vector
    assert decoded[0] != vec


def test_stream_delay_is_honoured(server: FakeOpenAI) -> None:
    server.enqueue(stream(["a", "b", "c"], delay=0.05))
    start = time.monotonic()
    events = _events(_chat_body(server, stream_=True))
    assert time.monotonic() - start >= 0.15
    assert events[-1] == "[DONE]"


def test_cut_mid_stream_leaves_incomplete_body(server: FakeOpenAI) -> None:
    server.enqueue(cut_mid_stream(2))
    with _chat(server, stream_=True) as resp:
        assert resp.status == 200
        with pytest.raises(http.client.IncompleteRead) as info:
            resp.read()
    partial = info.value.partial.decode()
    assert "part0 " in partial
    assert "part1 " in partial
    assert "[DONE]" not in partial


def test_stall_then_stop_is_fast() -> None:
    srv = FakeOpenAI(stall_mid_stream(1)).start()
    try:
        with _chat(srv, stream_=True, timeout=0.3) as resp:
            assert resp.status == 200
            with pytest.raises(TimeoutError):
                resp.read()  # the first chunk arrives, then nothing more
    finally:
        start = time.monotonic()
        srv.stop()
    assert time.monotonic() - start < 1.0


def _new_threads_finish(before: set[threading.Thread], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t not in before]:
            return True
        time.sleep(0.01)
    return False


def test_hang_wakes_up_on_stop() -> None:
    before = set(threading.enumerate())
    srv = FakeOpenAI(hang_before_first_byte()).start()
    outcome: list[BaseException | int] = []

    def client() -> None:
        try:
            with _chat(srv, stream_=True, timeout=5) as resp:
                outcome.append(resp.status)
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=client, daemon=True)
    t.start()
    try:
        assert srv.wait_for_requests(1, timeout=3)
        time.sleep(0.1)
        assert outcome == []  # still no answer
    finally:
        start = time.monotonic()
        srv.stop()
    t.join(3)
    assert time.monotonic() - start < 1.5
    assert len(outcome) == 1
    assert isinstance(outcome[0], (http.client.RemoteDisconnected, ConnectionError))
    assert _new_threads_finish(before, within=0.3)  # the handler woke up too


def test_stop_drops_idle_keepalive_connections() -> None:
    before = set(threading.enumerate())
    srv = FakeOpenAI(complete("x")).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=3)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps({"model": "m", "messages": []}))
        assert json.loads(conn.getresponse().read())["choices"][0]["message"]["content"] == "x"
        # the connection stays open (keep-alive): its handler waits for a next request
        srv.stop()
        assert _new_threads_finish(before, within=0.5)
    finally:
        conn.close()
        srv.stop()


def test_malformed_invalid_json_and_stream_error(server: FakeOpenAI) -> None:
    server.enqueue(
        malformed_sse(["data: {not json"], done=True),
        invalid_json(),
        stream_error("boom", chunks_before=1),
    )
    assert _chat_body(server, stream_=True) == b"data: {not json\n\ndata: [DONE]\n\n"
    raw = _chat_body(server, stream_=False)
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    events = _events(_chat_body(server, stream_=True))
    assert json.loads(events[-1])["error"]["message"] == "boom"
    assert "[DONE]" not in events


def test_refused_base_url() -> None:
    url = refused_base_url()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert url == f"http://127.0.0.1:{port}/v1"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_api_key_enforced() -> None:
    with FakeOpenAI(complete("x"), api_key="right") as srv:
        with _chat(srv, stream_=False) as resp:  # sends "Bearer sk-test"
            assert resp.status == 401
            resp.read()
        assert len(srv.queue) == 1  # the scripted response was not consumed
        assert srv.requests[0].headers["authorization"] == "Bearer sk-test"
