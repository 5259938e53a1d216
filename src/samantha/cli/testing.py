"""`samantha test`: run conversation scripts through the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from samantha.cli.common import BackendOpt, BaseUrlOpt, DebugOpt, ModelOpt


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("test")(run_tests)


def run_tests(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(help="Script files (*.convo.yaml) or folders to search for them."),
    ],
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write JUnit XML here, for CI systems.")
    ] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="A model backend (openai, ollama ...) that scores the scripts' judge criteria.",
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="The judge's model.")
    ] = None,
    judge_base_url: Annotated[
        str | None, typer.Option("--judge-base-url", help="The judge's server URL (ending in /v1).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show every step and reply.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Run conversation scripts, each in a fresh data dir, and show what held.

    --backend replaces every script's backend, so the same suite runs against a real model.
    Exit code 0 when everything held, 1 when an expectation failed, 2 for a malformed script.
    """
    import asyncio

    parent = dict(ctx.obj or {})
    code = asyncio.run(
        _run(
            paths,
            junit=junit,
            backend=backend or parent.get("backend"),
            model=model or parent.get("model"),
            base_url=base_url or parent.get("base_url"),
            judge=judge,
            judge_model=judge_model,
            judge_base_url=judge_base_url,
            verbose=verbose,
        )
    )
    raise typer.Exit(code)


async def _run(paths: list[Path], **options: Any) -> int:
    from rich.console import Console

    from samantha.conversation_tests.errors import ScriptError
    from samantha.conversation_tests.judge import Judge, make_judge
    from samantha.conversation_tests.junit import write_junit
    from samantha.conversation_tests.loader import find_scripts
    from samantha.conversation_tests.report import render
    from samantha.conversation_tests.runner import RunOptions, run_file

    found = find_scripts(paths)
    if not found:
        shown = ", ".join(str(p) for p in paths)
        raise ScriptError(f"There are no *.convo.yaml scripts in {shown}: check the path.")
    judge: Judge | None = None
    if options["judge"]:
        judge = make_judge(options["judge"], options["judge_model"], options["judge_base_url"])
    run = RunOptions(
        backend=options["backend"],
        model=options["model"],
        base_url=options["base_url"],
        judge=judge,
    )
    try:
        results = [await run_file(path, run) for path in found]
    finally:
        if judge is not None:
            await judge.aclose()
    # Sentences are never hard-wrapped: a terminal wraps them itself, and a pipe wants them whole.
    shown_results = [_shown(r) for r in results]
    render(shown_results, Console(highlight=False, soft_wrap=True), verbose=options["verbose"])
    if options["junit"] is not None:
        write_junit(results, options["junit"])
    if any(r.malformed for r in results):
        return 2
    return 0 if all(r.passed for r in results) else 1


def _shown(value: Any) -> Any:
    """A result with every text in it made safe for the terminal (her replies, the script's
    words, the sentences quoting them): rich prints escape sequences as they are. The JUnit
    file gets the results as they were."""
    from dataclasses import fields, is_dataclass, replace

    from samantha.cli.safe_output import shown

    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: _shown(getattr(value, f.name)) for f in fields(value) if f.init}
        return replace(value, **changed)
    return value
