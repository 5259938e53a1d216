"""The ways a model server can fail, each with what samantha must make of it.

One table drives the in-process engine tests and the ``samantha say`` subprocess tests, so both
front doors are held to the same answers. ``requests`` is how many chat requests the server must
see: retries only where repeating the request can help (rate limits, 5xx, timeouts, dropped
connections) and never when a reply had begun, the key or the model is wrong, or the request
itself is refused.
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

    def __str__(self) -> str:
        return self.id


def _times(n: int, make: Callable[[], Response]) -> Callable[[], list[Response]]:
    return lambda: [make() for _ in range(n)]


HEALTHY = ["I'm", " here", " now."]

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
    Fault("reply-far-past-max-tokens", lambda: [long_stream(RUNAWAY_CHUNKS)], None, 1),
]
