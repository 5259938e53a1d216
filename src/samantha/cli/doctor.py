"""``samantha doctor``: what is configured, whether it works, and where things live."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from samantha.backends.base import create_backend
from samantha.config import Paths, Settings
from samantha.engine.speaking import speaker_for
from samantha.engine.tokens import EstimateCounter, TokenCounter
from samantha.errors import SamanthaError
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


async def run_doctor(settings: Settings, failed: list[str] | None = None) -> list[str]:
    """The lines to print; the name of each check that failed is added to ``failed`` (the
    command exits non-zero then)."""
    failed = [] if failed is None else failed
    paths = Paths.from_env()
    lines: list[str] = []
    offline = False
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
        finally:
            await backend.aclose()
        lines.append(f"answers:   {answer}")
        if not ok:
            failed.append("backend")
        model = spec.model
    except SamanthaError as exc:
        lines.append(f"backend:   {settings.backend}: {exc}")
        failed.append("backend")
        model = settings.model or "unknown"
    # The offline voice counts by estimate in the engine; say so, and fetch no tokenizer for it.
    counter = EstimateCounter() if offline else TokenCounter(model)
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
