"""``samantha doctor``: what is configured, whether it works, and where things live."""

from __future__ import annotations

import asyncio
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from samantha.backends.base import Backend, ChatMessage, ReplyRequest, create_backend
from samantha.config import Paths, Settings
from samantha.engine.speaking import speaker_for
from samantha.engine.tokens import EstimateCounter, ModelCounter, TokenCounter
from samantha.errors import SamanthaError
from samantha.memory import learn
from samantha.memory.mind import FACTS_SCHEMA
from samantha.persona import find_persona, load_persona
from samantha.urls import redact


def _mode(path: Path) -> str:
    try:
        return oct(stat.S_IMODE(path.stat().st_mode))[2:].zfill(4)
    except OSError:
        return "missing"


def _private(path: Path, expected: int) -> str:
    mode = _mode(path)
    if mode == "missing":
        return "not created yet"
    ok = int(mode, 8) & 0o077 == 0
    return f"mode {mode}" + ("" if ok else f" (others can read it: run chmod {expected:o} {path})")


async def _probe(backend: Any) -> tuple[bool, str]:
    """Whether the backend answers, and its sentence; a backend that can only say (``check``)
    is taken at its word."""
    probe = getattr(backend, "probe", None)
    if probe is not None:
        ok, answer = await probe()
        return bool(ok), str(answer)
    return True, str(await backend.check())


async def _memory_check(backend: Backend, settings: Settings) -> str:
    """Whether the model gives memory the JSON it asks for: one real question, answered
    with the server's structured output, as the chat would ask it."""
    if settings.extractor == "rules":
        return "facts are read by rules (extractor = rules): the model is not asked"
    instructions = learn.EXTRACTION_INSTRUCTIONS.replace("{today}", "Monday 2026-03-02")
    request = ReplyRequest(
        messages=[
            ChatMessage(role="system", content=instructions),
            ChatMessage(role="user", content="My sister is called Anna."),
        ],
        max_tokens=200,
        temperature=0.0,
        json_schema=FACTS_SCHEMA,
    )
    try:
        async with asyncio.timeout(settings.request_timeout):
            reply = "".join([chunk.text async for chunk in backend.stream(request)])
    except (SamanthaError, TimeoutError):
        reply = ""
    if learn.parse_facts(reply, datetime.now().astimezone()) is not None:
        return "the model answers memory's JSON: facts are read by it and by rules"
    return (
        "the model did not give memory's JSON: in the chat she asks it a few times, then "
        "learns by rules (extractor = rules stops asking)"
    )


async def run_doctor(settings: Settings, failed: list[str] | None = None) -> list[str]:
    """The lines to print; the name of each check that failed is added to ``failed`` (the
    command exits non-zero then)."""
    failed = [] if failed is None else failed
    paths = Paths.from_env()
    lines: list[str] = []
    offline = False
    tokenizer = None
    try:
        spec = settings.backend_spec()
        backend = create_backend(spec)
        offline = speaker_for(backend).offline
        where = redact(spec.base_url) if spec.base_url else "no address"
        kind = "offline voice, no model needed" if offline else where
        lines.append(f"backend:   {spec.name} ({kind})")
        lines.append(f"model:     {backend.model} (context window {backend.context_window} tokens)")
        try:
            ok, answer = await _probe(backend)
            memory = (
                await _memory_check(backend, settings)
                if ok and not offline and isinstance(backend, Backend)
                else None
            )
        finally:
            await backend.aclose()
        lines.append(f"answers:   {answer}")
        if ok and isinstance(backend, Backend):
            tokenizer = backend.tokenizer
        if memory is not None:
            lines.append(f"memory:    {memory}")
        if not ok:
            failed.append("backend")
        model = spec.model
    except SamanthaError as exc:
        lines.append(f"backend:   {settings.backend}: {exc}")
        failed.append("backend")
        model = settings.model or "unknown"
    # The offline voice counts by estimate in the engine; say so, and fetch no tokenizer for it.
    counter: TokenCounter = EstimateCounter() if offline else TokenCounter(model)
    if tokenizer is not None:
        counter = ModelCounter(counter, tokenizer)
    lines.append(f"tokens:    {counter.describe()}")
    try:
        persona_path = find_persona(settings.persona, paths.personas_dir)
        persona = load_persona(persona_path)
        lines.append(f"persona:   {persona.name} ({persona_path})")
    except SamanthaError as exc:
        lines.append(f"persona:   {exc}")
        failed.append("persona")
    config = paths.config_file
    if config.exists():
        lines.append(f"config:    {config} ({_private(config, 0o600)})")
    else:
        lines.append(f"config:    {config} (not created; defaults and SAMANTHA_* variables apply)")
    lines.append(f"data dir:  {paths.data_dir} ({_private(paths.data_dir, 0o700)})")
    lines.append(f"database:  {paths.db_path} ({_private(paths.db_path, 0o600)})")
    # What would speak and listen here; nothing is sent, and voice never blocks the rest.
    from samantha.speech.session import voice_check

    try:
        found = load_persona(find_persona(settings.persona, paths.personas_dir))
    except SamanthaError:
        found = None
    for label, line in await voice_check(settings, found):
        lines.append(f"{label + ':':<15}{line}")
    return lines
