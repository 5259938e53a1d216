"""The judge: a model of its own that scores her words against a criterion in plain language.

It is a backend like any other, created from its name, and it sees only the end of the
conversation and the criterion, never her prompt. Its answer is JSON read by pydantic; anything
else fails the expectation with the reason, rather than passing it by accident.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError

from samantha.backends.base import Backend, ChatMessage, ReplyRequest, create_backend
from samantha.config import load_settings
from samantha.conversation_tests.checks import Observation, quote
from samantha.conversation_tests.results import Outcome
from samantha.errors import InputError, SamanthaError

#: Scores run 1 (not at all) to 5 (fully); this much or more passes.
PASS_SCORE = 4

INSTRUCTIONS = """You grade one reply written by {name}, a companion character, against one \
criterion. Judge only the criterion, not style or length unless it asks. Reply with JSON only:
{{"score": 1-5, "reason": "one short sentence"}}
5 means the reply fully meets the criterion, 3 partly, 1 not at all."""


class Verdict(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str = Field(default="", max_length=500)


def parse_verdict(text: str) -> Verdict | None:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        return None
    try:
        return Verdict.model_validate(json.loads(match.group(0)))
    except (ValueError, ValidationError):
        return None


class Judge:
    """Scores criteria for one script run; ``transcript`` is the conversation so far."""

    def __init__(self, backend: Backend, *, timeout: float = 120.0) -> None:
        self.backend = backend
        self.timeout = timeout

    async def score(
        self, criterion: str, seen: Observation, name: str, transcript: Sequence[tuple[str, str]]
    ) -> Outcome:
        expectation = f"judge: {criterion}"
        earlier = "\n".join(f"{who}: {text}" for who, text in transcript[-8:])
        request = ReplyRequest(
            messages=[
                ChatMessage(role="system", content=INSTRUCTIONS.format(name=name)),
                ChatMessage(
                    role="user",
                    content=(
                        f"Conversation so far:\n{earlier or '(none)'}\n\n"
                        f"{name}'s reply to grade:\n{seen.reply}\n\nCriterion: {criterion}"
                    ),
                ),
            ],
            max_tokens=200,
            temperature=0.0,
        )
        try:
            async with asyncio.timeout(self.timeout):
                text = "".join([c.text async for c in self.backend.stream(request)])
        except TimeoutError:
            return Outcome(expectation, f"the judge gave no answer in {self.timeout:g} s", False)
        except SamanthaError as exc:
            return Outcome(expectation, f"the judge failed: {exc}", False)
        verdict = parse_verdict(text)
        if verdict is None:
            return Outcome(expectation, f"the judge's answer was not a score: {quote(text)}", False)
        reason = f" ({verdict.reason.rstrip('.')})" if verdict.reason else ""
        return Outcome(
            expectation,
            f"the judge scored it {verdict.score}/5{reason}",
            verdict.score >= PASS_SCORE,
        )

    async def aclose(self) -> None:
        await self.backend.aclose()


def make_judge(name: str, model: str | None = None, base_url: str | None = None) -> Judge:
    """A judge from a configured backend's name (key and address from env or config file)."""
    if name in {"offline", "scripted"}:
        raise InputError(
            f"The {name} backend cannot judge (it is not a language model): pass --judge with a "
            "model backend such as openai or ollama."
        )
    settings = load_settings(backend=name, model=model, base_url=base_url)
    backend = create_backend(settings.backend_spec())
    if not isinstance(backend, Backend):
        raise InputError(
            f"The {name} backend cannot judge (it is not a language model): pass --judge with a "
            "model backend such as openai or ollama."
        )
    return Judge(backend, timeout=settings.request_timeout * 2)
