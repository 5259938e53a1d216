"""The ways a model server can fail, each with what samantha must make of it.

One table drives the in-process engine tests and the ``samantha say`` subprocess tests, so both
front doors are held to the same answers. ``requests`` is how many chat requests the server must
see: retries only where repeating the request can help (rate limits, 5xx, timeouts, dropped
connections) and never when a reply had begun, the key or the model is wrong, or the request
itself is refused.

Beside the transport faults are the semantic ones: a server that answers well-formed data
that is not a whole reply (cut at ``length``, stopped by a ``content_filter``, a tool call
instead of words), a reply full of terminal escape sequences, and addresses that cannot work
or carry a key. For each, the row says what the user sees (the sentence's words, what stdout
shows), the exit code of ``samantha say``, and what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from samantha.errors import (
    BackendAuthError,
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    ConfigError,
    ModelNotFound,
    RateLimited,
    SamanthaError,
    StreamCutOff,
)
from tests.fakeserver import (
    Response,
    cut_mid_stream,
    drop_before_response,
    hang_before_first_byte,
    invalid_json,
    long_stream,
    malformed_sse,
    stall_mid_stream,
    status,
    stream,
    stream_error,
    tool_calls,
)

#: Short enough to keep the suite fast, long enough for a loaded CI machine to answer in.
SHORT_TIMEOUT = 1.0
QUICK = 0.01  # a Retry-After the client honours without slowing the suite
#: A reply far beyond the reply budget the engine asks for (max_tokens).
RUNAWAY_CHUNKS = 3000


def runaway_reply(reply_tokens: int) -> str:
    """What she keeps of the runaway reply: the stream is cut at the engine's cap."""
    from samantha.engine import CHARS_PER_TOKEN_CAP

    whole = "".join(f"w{i} " for i in range(RUNAWAY_CHUNKS))
    limit = reply_tokens * CHARS_PER_TOKEN_CAP
    assert len(whole) > limit  # the fault really runs away
    return whole[: whole.rfind(" ", 0, limit) + 1]  # her last whole word within the cap


@dataclass(frozen=True)
class Fault:
    id: str
    #: The server's answers, one per attempt; built fresh for each test.
    answers: Callable[[], list[Response]]
    #: The error the user must get; None when the turn must succeed.
    error: type[SamanthaError] | None
    requests: int
    max_retries: int = 2
    timeout: float = 5.0
    #: What of her reply must be stored, marked interrupted ("" for nothing).
    partial: str = ""
    #: Words the sentence must contain.
    mentions: tuple[str, ...] = ()
    #: The server is down: the connection is refused before any request.
    refused: bool = False
    #: The turn succeeds but her reply was cut short, for this reason (TurnResult.cut_reason);
    #: ``samantha say`` then exits 3 with a sentence, and ``partial`` is stored interrupted.
    cut: str | None = None
    #: Her whole reply, for a turn that succeeds uncut (default: the healthy one).
    reply: str | None = None
    #: The base URL given instead of the server's own (a function of the server's URL).
    url: Callable[[str], str] | None = None
    #: Texts that must appear nowhere the user can see (a key inside the address).
    hidden: tuple[str, ...] = ()
    #: An assistant message stored with no words at all (a filtered empty reply).
    stores_empty: bool = False

    def __str__(self) -> str:
        return self.id

    @property
    def exit_code(self) -> int:
        """What `samantha say` exits with: the error's code, 3 for a cut reply, else 0."""
        if self.error is not None:
            return self.error.exit_code
        return 3 if self.cut is not None else 0

    @property
    def stored(self) -> list[tuple[str, str, str]]:
        """Her message as it must be stored after the user's, if any."""
        if self.partial or self.stores_empty:
            return [("assistant", self.partial, "interrupted")]
        return []


def _times(n: int, make: Callable[[], Response]) -> Callable[[], list[Response]]:
    return lambda: [make() for _ in range(n)]


HEALTHY = ["I'm", " here", " now."]
#: A server (or a model told to) sending what a terminal would obey: title, clear screen,
#: clipboard write, a planted link, a one-byte CSI, a right-to-left override and a NUL.
HOSTILE_REPLY = [
    "Hi",
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m \u202eexe.txt\u202c\x00 done.",
]
URL_SECRET = "sk-in-the-url-9f8e7d"


def _with_key(url: str) -> str:
    """The server's address with a key as its user info (some proxies take it so)."""
    return url.replace("http://", f"http://user:{URL_SECRET}@", 1)


FAULTS: list[Fault] = [
    Fault(
        "refused",
        lambda: [],
        BackendUnreachable,
        0,
        max_retries=0,
        refused=True,
        mentions=("Cannot reach",),
    ),
    Fault(
        "hang-before-first-byte",
        _times(2, lambda: hang_before_first_byte(10)),
        BackendTimeout,
        2,
        max_retries=1,
        timeout=SHORT_TIMEOUT,
        mentions=("seconds",),
    ),
    Fault(
        "drop-before-response",
        _times(2, drop_before_response),
        BackendUnreachable,
        2,
        max_retries=1,
    ),
    Fault(
        "stall-mid-stream",
        _times(3, lambda: stall_mid_stream(1, 10)),
        StreamCutOff,
        1,
        timeout=SHORT_TIMEOUT,
        partial="part0 ",
    ),
    Fault(
        "close-mid-stream",
        _times(3, lambda: cut_mid_stream(2)),
        StreamCutOff,
        1,
        partial="part0 part1 ",
    ),
    Fault(
        "reset-mid-stream",
        _times(3, lambda: cut_mid_stream(2, rst=True)),
        StreamCutOff,
        1,
        partial="part0 part1 ",
    ),
    Fault("close-before-first-chunk", _times(3, lambda: cut_mid_stream(0)), BackendError, 1),
    Fault("malformed-sse", _times(3, lambda: malformed_sse(["data: {not json"])), BackendError, 1),
    Fault(
        "not-an-event-stream",
        _times(3, lambda: malformed_sse(["hello, proxy here"])),
        BackendError,
        1,
    ),
    Fault("invalid-json", _times(3, invalid_json), BackendError, 1),
    Fault(
        "error-event-mid-stream",
        _times(3, lambda: stream_error("overloaded", 1)),
        BackendError,
        1,
        partial="part0 ",
    ),
    Fault("400", _times(3, lambda: status(400)), BackendRejected, 1, mentions=("400",)),
    Fault("401", _times(3, lambda: status(401)), BackendAuthError, 1, mentions=("401", "key")),
    Fault("403", _times(3, lambda: status(403)), BackendAuthError, 1, mentions=("403",)),
    Fault("404", _times(3, lambda: status(404)), ModelNotFound, 1, mentions=("404",)),
    Fault(
        "408",
        _times(3, lambda: status(408, retry_after=QUICK)),
        BackendTimeout,
        3,
        mentions=("408",),
    ),
    Fault("413", _times(3, lambda: status(413)), BackendRejected, 1, mentions=("413", "too large")),
    Fault(
        "429-retry-after",
        _times(3, lambda: status(429, retry_after=QUICK)),
        RateLimited,
        3,
        mentions=("429",),
    ),
    Fault(
        "429-no-retry-after",
        _times(2, lambda: status(429)),
        RateLimited,
        2,
        max_retries=1,
        mentions=("429",),
    ),
    # Asked to come back in an hour: waiting in the terminal would help nobody.
    Fault(
        "429-retry-after-an-hour",
        _times(3, lambda: status(429, retry_after=3600)),
        RateLimited,
        1,
        mentions=("429",),
    ),
    Fault(
        "500",
        _times(3, lambda: status(500, retry_after=QUICK)),
        BackendUnreachable,
        3,
        mentions=("500",),
    ),
    Fault(
        "502-html",
        _times(3, lambda: invalid_json(502, "<html>Bad gateway</html>", "text/html")),
        BackendError,
        2,
        max_retries=1,
    ),
    Fault(
        "503",
        _times(3, lambda: status(503, retry_after=QUICK)),
        BackendUnreachable,
        3,
        mentions=("503",),
    ),
    Fault("503-then-recovers", lambda: [status(503, retry_after=QUICK), stream(HEALTHY)], None, 2),
    Fault("reply-far-past-max-tokens", lambda: [long_stream(RUNAWAY_CHUNKS)], None, 1, cut="cap"),
    # -- semantic: well-formed answers that are not a whole reply ----------------------------
    Fault(
        "finish-length",
        lambda: [stream(["part0 ", "part1 "], finish_reason="length")],
        None,
        1,
        cut="length",
        partial="part0 part1 ",
        mentions=("reply limit",),
    ),
    Fault(
        "finish-content-filter",
        lambda: [stream(["part0 "], finish_reason="content_filter")],
        None,
        1,
        cut="content_filter",
        partial="part0 ",
        mentions=("content filter",),
    ),
    Fault(
        "content-filter-before-a-word",
        lambda: [stream([], finish_reason="content_filter")],
        None,
        1,
        cut="content_filter",
        stores_empty=True,
        mentions=("content filter",),
    ),
    Fault(
        "tool-call-only",
        lambda: [tool_calls()],
        BackendError,
        1,
        mentions=("tool call",),
    ),
    # Some servers end a tool call with finish_reason "stop": still no reply.
    Fault(
        "tool-call-ending-in-stop",
        lambda: [tool_calls(finish_reason="stop")],
        BackendError,
        1,
        mentions=("tool call",),
    ),
    Fault(
        "words-then-tool-call",
        lambda: [tool_calls(["Let me check. "])],
        None,
        1,
        cut="tool_calls",
        partial="Let me check. ",
        mentions=("tool call",),
    ),
    Fault(
        "escape-sequences-in-reply",
        lambda: [stream(HOSTILE_REPLY)],
        None,
        1,
        reply="".join(HOSTILE_REPLY),
    ),
    # JSON may carry half a character ("\ud83d"): an orphan is stored as U+FFFD, and a pair
    # split across two events is joined (the database and the terminal take only UTF-8).
    Fault(
        "lone-surrogate-in-reply",
        lambda: [stream(["a\ud800b", " ok\udfff"])],
        None,
        1,
        reply="a\ufffdb ok\ufffd",
    ),
    Fault(
        "surrogate-pair-split-across-events",
        lambda: [stream(["smile \ud83d", "\ude00 ok"])],
        None,
        1,
        reply="smile \U0001f600 ok",
    ),
    # -- addresses: refused before a request, one sentence naming the problem ---------------
    Fault(
        "url-broken-ipv6",
        lambda: [],
        ConfigError,
        0,
        url=lambda _: "http://[bad:x/v1",
        mentions=("not a valid address",),
    ),
    Fault(
        "url-port-out-of-range",
        lambda: [],
        ConfigError,
        0,
        url=lambda _: "http://127.0.0.1:99999/v1",
        mentions=("port '99999'",),
    ),
    Fault(
        "url-ftp-scheme",
        lambda: [],
        ConfigError,
        0,
        url=lambda served: served.replace("http://", "ftp://"),
        mentions=("scheme 'ftp'",),
    ),
    Fault(
        "url-with-a-key-and-a-401",
        _times(3, lambda: status(401)),
        BackendAuthError,
        1,
        url=_with_key,
        hidden=(URL_SECRET,),
        mentions=("401", "***@127.0.0.1"),
    ),
]
