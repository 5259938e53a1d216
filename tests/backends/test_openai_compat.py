"""The OpenAI-compatible adapter, driven through the real engine against the fake server.

Every failure must reach the user as one sentence of the right kind, never a raw exception,
a traceback or the API key; whatever was said before a failure stays in the database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from samantha.backends.openai_compat import OpenAICompatBackend
from samantha.config import load_settings
from samantha.domain.conversation import MessageStatus, Role
from samantha.engine import Companion, TurnResult
from samantha.errors import (
    BackendAuthError,
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    ModelNotFound,
    RateLimited,
    SamanthaError,
    StreamCutOff,
)
from tests.conftest import MakeCompanion, collect
from tests.fakeserver import (
    FakeOpenAI,
    Response,
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

API_KEY = "sk-test-KEY-4b1d"
MODEL = "fake-model"

MakeBackend = Callable[..., OpenAICompatBackend]

# These tests are about the reply path, one request per turn; the companions learn by rules so
# that no extraction request joins the server's queue (tests/memory covers model extraction).


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
async def make_backend(server: FakeOpenAI) -> AsyncIterator[MakeBackend]:
    """Adapters for ``server`` (or another ``base_url``), closed after the test."""
    made: list[OpenAICompatBackend] = []

    def make(
        base_url: str | None = None,
        max_retries: int = 0,
        request_timeout: float = 5.0,
        api_key: str | None = API_KEY,
        model: str = MODEL,
    ) -> OpenAICompatBackend:
        spec = load_settings(
            backend="custom",
            base_url=base_url or server.base_url,
            model=model,
            max_retries=max_retries,
            request_timeout=request_timeout,
            api_key=api_key,
        ).backend_spec()
        backend = OpenAICompatBackend(spec)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.aclose()


def assert_one_sentence(error: BaseException, key: str = API_KEY) -> str:
    """The user reads ``str(error)`` and nothing else: one plain sentence, no secrets."""
    assert isinstance(error, SamanthaError), f"raw exception leaked: {error!r}"
    text = str(error)
    assert text.strip(), "empty error message"
    assert "\n" not in text, f"not one line: {text!r}"
    assert "\r" not in text, f"not one line: {text!r}"
    assert "Traceback" not in text, text
    assert 'File "' not in text, text
    assert key not in text, f"API key leaked into: {text!r}"
    assert text.endswith("."), f"not a finished sentence: {text!r}"
    # Outside parentheses (which may quote the server), no second sentence begins.
    outside = re.sub(r"\([^()]*\)", "", text)
    assert not re.search(r"[.!?]\s+[A-Z]", outside), f"more than one sentence: {text!r}"
    assert len(text) < 400, f"too long for one sentence: {text!r}"
    return text


async def fail_turn(companion: Companion, text: str = "hello?") -> SamanthaError:
    with pytest.raises(SamanthaError) as info:
        await collect(companion, text)
    return info.value


# -- success ---------------------------------------------------------------------------------


async def test_reply_streams_through_the_engine_and_the_request_is_well_formed(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(stream(["Hi", " Theo", ", I missed", " you."], usage=(42, 5)))
    companion = make_companion(make_backend(), extractor="rules")

    streamed, result = await collect(companion, "I'm back")

    assert streamed == "Hi Theo, I missed you."
    assert isinstance(result, TurnResult)
    assert result.status is MessageStatus.COMPLETE
    assert result.completion_tokens == 5
    assert result.server_prompt_tokens == 42
    body = server.last_json
    assert body["model"] == MODEL
    assert body["stream"] is True
    messages = body["messages"]
    assert messages[0]["role"] == "system"
    assert "Samantha" in messages[0]["content"]
    # The moment (clock, mood) stands beside the newest message, the only other system one.
    assert [m["role"] for m in messages[1:]] == ["system", "user"]
    assert "Samantha" not in messages[1]["content"]
    assert messages[1]["content"].startswith("Your mood:")
    assert messages[-1] == {"role": "user", "content": "I'm back"}
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    history = await companion.history()
    assert [(m.role, m.text, m.status) for m in history] == [
        (Role.USER, "I'm back", MessageStatus.COMPLETE),
        (Role.ASSISTANT, "Hi Theo, I missed you.", MessageStatus.COMPLETE),
    ]


async def test_server_error_then_success_is_retried(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(status(500, retry_after=0.05), stream(["second", " time"]))
    companion = make_companion(make_backend(max_retries=1), extractor="rules")

    streamed, result = await collect(companion, "try again")

    assert streamed == "second time"
    assert isinstance(result, TurnResult)
    assert len(server.chat_requests) == 2


async def test_a_template_that_refuses_a_later_system_message_gets_it_folded(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    """Gemma's and Mistral's templates allow a system message only first: the moment is then
    folded into the newest message, once refused and from then on without asking again."""
    refusal = "Conversation roles must alternate user/assistant/user/assistant/..."
    server.enqueue(status(400, message=refusal), stream(["Hello."]), stream(["Again."]))
    companion = make_companion(make_backend(), extractor="rules")

    first, _ = await collect(companion, "I'm back")
    second, _ = await collect(companion, "Still here")

    assert (first, second) == ("Hello.", "Again.")
    sent = [r.json["messages"] for r in server.chat_requests]
    assert len(sent) == 3
    assert [m["role"] for m in sent[0]] == ["system", "system", "user"]
    for messages in sent[1:]:
        roles = [m["role"] for m in messages]
        assert roles.count("system") == 1
        assert roles[0] == "system"
    newest = sent[2][-1]["content"]
    assert newest.startswith("(A note for your reply, not said by them:\nYour mood:")
    assert newest.endswith(")\n\nStill here")


# -- failures by HTTP status -----------------------------------------------------------------

STATUS_TABLE = [
    pytest.param(401, BackendAuthError, ["key", "401"], id="401-key"),
    pytest.param(403, BackendAuthError, ["403", MODEL], id="403-forbidden"),
    pytest.param(404, ModelNotFound, [MODEL, "404"], id="404-model"),
    pytest.param(408, BackendTimeout, ["408"], id="408-timeout"),
    pytest.param(413, BackendRejected, ["413", "too large"], id="413-too-large"),
    pytest.param(400, BackendRejected, ["400"], id="400-bad-request"),
    pytest.param(500, BackendUnreachable, ["500"], id="500-server"),
    pytest.param(502, BackendUnreachable, ["502"], id="502-gateway"),
    pytest.param(503, BackendUnreachable, ["503"], id="503-unavailable"),
]


@pytest.mark.parametrize(("code", "kind", "mentions"), STATUS_TABLE)
async def test_http_status_becomes_one_sentence(
    server: FakeOpenAI,
    make_backend: MakeBackend,
    make_companion: MakeCompanion,
    code: int,
    kind: type[SamanthaError],
    mentions: list[str],
) -> None:
    # The server echoing the key in its error text must not carry it to the screen.
    server.enqueue(status(code, message=f"nope for key {API_KEY}"))
    companion = make_companion(make_backend(), extractor="rules")

    error = await fail_turn(companion)

    assert type(error) is kind, f"{code} gave {type(error).__name__}: {error}"
    text = assert_one_sentence(error)
    for word in mentions:
        assert word in text, f"{code} sentence should mention {word!r}: {text}"
    assert len(server.chat_requests) == 1
    history = await companion.history()
    assert [(m.role, m.text) for m in history] == [(Role.USER, "hello?")]


async def test_rate_limit_with_retry_after_exhausts_retries(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(status(429, retry_after=0.05), status(429, retry_after=0.05))
    companion = make_companion(make_backend(max_retries=1), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, RateLimited)
    assert error.retryable
    assert "429" in assert_one_sentence(error)
    assert len(server.chat_requests) == 2


# -- failures of the connection or the stream ------------------------------------------------


async def test_connection_refused_is_unreachable(
    make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    url = refused_base_url()
    companion = make_companion(make_backend(base_url=url), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, BackendUnreachable)
    assert url in assert_one_sentence(error)
    history = await companion.history()
    assert [m.text for m in history] == ["hello?"]


@pytest.mark.parametrize("rst", [False, True], ids=["fin", "rst"])
async def test_stream_cut_half_way_keeps_the_partial_reply(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion, rst: bool
) -> None:
    server.enqueue(cut_mid_stream(2, rst=rst))
    companion = make_companion(make_backend(), extractor="rules")

    with pytest.raises(StreamCutOff) as info:
        await collect(companion, "tell me a story")

    assert_one_sentence(info.value)
    history = await companion.history()
    assert [(m.role, m.text, m.status) for m in history] == [
        (Role.USER, "tell me a story", MessageStatus.COMPLETE),
        (Role.ASSISTANT, "part0 part1 ", MessageStatus.INTERRUPTED),
    ]


async def test_hang_before_first_byte_times_out(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(hang_before_first_byte(max_seconds=5))
    companion = make_companion(make_backend(request_timeout=0.3), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, BackendTimeout)
    assert "0.3" in assert_one_sentence(error)
    assert [m.text for m in await companion.history()] == ["hello?"]


async def test_stall_mid_stream_times_out_and_keeps_what_arrived(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(stall_mid_stream(1, max_seconds=5))
    companion = make_companion(make_backend(request_timeout=0.3), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, BackendError)
    assert error.retryable
    assert_one_sentence(error)
    history = await companion.history()
    assert [(m.text, m.status) for m in history[1:]] == [("part0 ", MessageStatus.INTERRUPTED)]


UNREADABLE: list[Response] = [
    malformed_sse(["data: {not json"]),
    malformed_sse(["data: {not json"], done=True),
    malformed_sse(["this is not an event stream at all"]),
    malformed_sse(['data: {"id": "x", "choices": "not a list"}'], done=True),
    invalid_json(),
    invalid_json(status=200, content_type="text/html", body="<html>proxy login</html>"),
    invalid_json(status=502, content_type="text/html", body="<html>Bad gateway</html>"),
    stream_error("The model crashed."),
]


@pytest.mark.parametrize("response", UNREADABLE, ids=lambda r: type(r).__name__)
async def test_unreadable_answers_become_a_sentence(
    server: FakeOpenAI,
    make_backend: MakeBackend,
    make_companion: MakeCompanion,
    response: Response,
) -> None:
    server.enqueue(response)
    companion = make_companion(make_backend(), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, BackendError), f"{type(error).__name__}: {error}"
    text = assert_one_sentence(error)
    # The server answered: the sentence must not say it could not be reached.
    assert "Cannot reach" not in text
    assert not re.search(r"\b\w+(Error|Exception)\b", text), f"internal exception name: {text}"
    assert [m.text for m in await companion.history()] == ["hello?"]


async def test_error_event_mid_stream_keeps_what_arrived(
    server: FakeOpenAI, make_backend: MakeBackend, make_companion: MakeCompanion
) -> None:
    server.enqueue(stream_error("overloaded", chunks_before=2))
    companion = make_companion(make_backend(), extractor="rules")

    error = await fail_turn(companion)

    assert isinstance(error, BackendError)
    assert_one_sentence(error)
    history = await companion.history()
    assert [(m.text, m.status) for m in history[1:]] == [
        ("part0 part1 ", MessageStatus.INTERRUPTED)
    ]


async def test_openai_preset_without_key_is_a_config_sentence(
    make_companion: MakeCompanion,
) -> None:
    spec = load_settings(backend="openai").backend_spec(environ={})
    backend = OpenAICompatBackend(spec)
    companion = make_companion(backend, extractor="rules")

    error = await fail_turn(companion)

    text = assert_one_sentence(error)
    assert "OPENAI_API_KEY" in text
    assert error.exit_code == 2
    await backend.aclose()


async def test_check_reports_in_one_sentence(server: FakeOpenAI, make_backend: MakeBackend) -> None:
    ok = await make_backend().check()
    assert MODEL in ok
    assert "\n" not in ok

    server.models_response = status(401, message=f"bad key {API_KEY}")
    refused = await make_backend().check()
    assert "key" in refused
    assert API_KEY not in refused
    assert "\n" not in refused


def test_warming_imports_the_client_library_before_any_request() -> None:
    from tests.test_import_hygiene import loaded_after

    assert "openai" not in loaded_after("samantha.backends.openai_compat")
    code = (
        "from samantha.backends.openai_compat import OpenAICompatBackend\n"
        "from samantha.config import Settings\n"
        "import sys\n"
        "OpenAICompatBackend(Settings(backend='ollama').backend_spec()).warm()\n"
        "assert 'openai' in sys.modules\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
