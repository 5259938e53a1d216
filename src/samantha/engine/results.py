"""What a turn hands back to a front end: the reply as it streams, then one result that says
what she heard, felt, recalled and learned. Plain values: nothing here reaches back in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from samantha.domain.conversation import Message, MessageStatus
from samantha.domain.memory import Memory, Recalled
from samantha.engine.prompt import Prompt
from samantha.state.appraisal import Appraisal
from samantha.state.inner import InnerState
from samantha.state.relationship import RelationshipEvent
from samantha.voice.scene import Scene

#: Why a reply ended before she finished: the server's token limit, its content filter, our
#: own cap for servers that ignore max_tokens, or a reply that was only tool calls.
CutReason = Literal["length", "content_filter", "cap", "tool_calls"]


#: Why her reply ended early, as a front end tells it: whoever reads on must know it is not the
#: whole answer, and what to do about it.
CUT_SENTENCES: dict[CutReason, str] = {
    "length": "Her reply was cut off at the reply limit: what she said is kept, marked "
    "interrupted; raise reply_tokens in the config file (or max_reply_tokens in her persona).",
    "content_filter": "The server's content filter stopped her reply: what she said is kept, "
    "marked interrupted; say it another way, or use another model.",
    "cap": "Her reply ran far past the reply limit (the server ignored it), so it was cut "
    "there: what she said is kept, marked interrupted; check that the server honours max_tokens.",
    "tool_calls": "The model answered with a tool call instead of words, and samantha offers "
    "no tools: pick a chat model with --model, or check the server's chat template.",
}


@dataclass(frozen=True)
class ReplyChunk:
    text: str


class Timings(BaseModel):
    prepare_ms: float
    first_token_ms: float | None
    total_ms: float
    #: Her reply's speed after its first token: the server's token count when it gave one,
    #: else the streamed pieces (a token each on llama.cpp and Ollama). None: too short to say.
    tokens_per_second: float | None = None


class TurnResult(BaseModel):
    reply: str
    status: MessageStatus
    user_message: Message
    reply_message: Message | None
    prompt: Prompt
    completion_tokens: int | None = None
    #: Prompt tokens as the server counted them, when it said.
    server_prompt_tokens: int | None = None
    timings: Timings
    appraisal: Appraisal
    #: Her state as the user spoke (settled to that moment), and after her reply.
    before: InnerState
    after: InnerState
    events: list[RelationshipEvent]
    #: What came to mind for this message (it is in the prompt), with score parts.
    recalled: list[Recalled] = []
    #: What she learned from it: facts, and a reflection when one was due.
    extracted: list[Memory] = []
    #: What the engine knew when she spoke (the offline voice renders exactly this).
    scene: Scene | None = None
    #: Set when the reply was cut short; the reply is then stored as interrupted.
    cut_reason: CutReason | None = None
    #: Said once in a session, when it happens: the model could not give memory the JSON it
    #: asks for, so she stopped asking it and learns by rules from now on.
    notice: str | None = None


TurnEvent = ReplyChunk | TurnResult


class Greeting(Message):
    """Her opening line as stored, with what it was made from (scripts check its context)."""

    prompt: Prompt
    scene: Scene
