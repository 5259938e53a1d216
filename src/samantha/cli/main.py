"""The command line. Each command is thin: parse, call the engine, print.

Heavy imports (textual, openai, tiktoken) happen inside the commands that need them, so
``samantha --version`` and ``samantha say`` start fast.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from samantha import __version__
from samantha.cli import data as cli_data
from samantha.cli import duet as cli_duet
from samantha.cli import keepsakes as cli_keepsakes
from samantha.cli import memory as cli_memory
from samantha.cli import persona as cli_persona
from samantha.cli import testing as cli_test
from samantha.cli.common import (
    BackendOpt,
    BaseUrlOpt,
    DebugOpt,
    ModelOpt,
    PersonaOpt,
    settings_from,
    with_companion,
)
from samantha.cli.safe_output import echo, shown, write
from samantha.errors import BackendError, SamanthaError
from samantha.urls import redact

app = typer.Typer(
    name="samantha",
    help="A terminal companion with a character of her own. Run with no command to chat.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Show where the config lives and what it says.", no_args_is_help=True)
app.add_typer(config_app, name="config")


def _version(value: bool) -> None:
    if value:
        echo(f"samantha {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = {"backend": backend, "model": model, "base_url": base_url, "persona": persona}
    if ctx.invoked_subcommand is None:
        _run_chat(lambda: settings_from(ctx), persona)


@app.command()
def chat(
    ctx: typer.Context,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Open the chat (the same as running samantha with no command)."""
    _run_chat(
        lambda: settings_from(
            ctx, backend=backend, model=model, base_url=base_url, persona=persona
        ),
        persona or (ctx.obj or {}).get("persona"),
    )


def _run_chat(load: Callable[[], Any], persona: str | None) -> None:
    """The chat reads its settings after the first frame (``load`` runs in its opening
    thread), so the window is there at once; a bad config is said when it closes. The
    persona flag, if given, tells it whose newest messages to paint before that."""
    from samantha.tui.app import run_app

    run_app(load, persona_hint=persona)


@app.command()
def say(
    ctx: typer.Context,
    message: Annotated[str, typer.Argument(help="What to say; '-' reads it from stdin.")],
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    speak: Annotated[
        bool, typer.Option("--speak", help="Also speak the reply aloud (pip install '.[voice]').")
    ] = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Into a pipe or file, write her reply exactly as the model sent it, control "
            "characters and all (a terminal always shows them as symbols).",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Say one thing and print her reply as it streams."""
    settings = settings_from(ctx, backend=backend, model=model, base_url=base_url, persona=persona)
    # A pipe or heredoc ends with a newline that is not part of what was said.
    # Bytes that are not UTF-8 (a stray Latin-1 file) become U+FFFD instead of a crash.
    piped = sys.stdin.buffer.read().decode("utf-8", "replace") if message == "-" else message
    text = piped.rstrip("\r\n")
    _freeze_startup_objects()
    # A terminal obeys escape sequences: what a model sends is shown there, never run.
    asyncio.run(_say(settings, text, speak, raw=raw and not sys.stdout.isatty()))


def _freeze_startup_objects() -> None:
    """Move import-time objects out of the garbage collector's reach: full collections over
    them cost 11-17 ms each and set the turn's p99 (benchmarks/engine_overhead.py)."""
    import gc

    gc.collect()
    gc.freeze()


async def _say(settings: Any, text: str, speak: bool = False, *, raw: bool = False) -> None:
    from contextlib import aclosing

    from samantha.engine import Companion, ReplyChunk, TurnResult
    from samantha.engine.results import CUT_SENTENCES, CutReason

    companion = Companion.open(settings)
    out = sys.stdout
    cut: CutReason | None = None
    voice = await _voice(settings, companion) if speak else None
    try:
        if companion.speaks_offline and sys.stderr.isatty():
            echo(f"({companion.persona.name}, offline voice)", err=True)
        wrote = False
        try:
            # If printing fails (stdout closed by `| head`), the turn must still be closed,
            # saving the partial reply, before the store below is. turn() is a generator.
            events = companion.turn(text)
            async with aclosing(events):
                async for event in events:
                    if isinstance(event, TurnResult):
                        cut = event.cut_reason
                    if isinstance(event, ReplyChunk):
                        write(event.text if raw else shown(event.text), out)
                        wrote = True
                        if voice is not None:
                            voice.feed(event.text)
        finally:
            if wrote:
                out.write("\n")
                out.flush()
            if voice is not None:
                voice.finish()
                await voice.drain()
    finally:
        if voice is not None:
            await voice.aclose()
        await companion.aclose()
    if cut is not None:
        raise BackendError(CUT_SENTENCES[cut])


async def _voice(settings: Any, companion: Any) -> Any:
    """Her voice for ``say --speak``, or ``None`` with one line on stderr saying why not; the
    reply is printed either way."""
    from samantha.speech.session import VoiceSession

    def warn(error: Exception) -> None:
        echo(f"samantha: {error}", err=True)

    voice = VoiceSession(settings, companion.persona, on_error=warn)
    note = await voice.turn_on()
    if not voice.on:
        echo(f"samantha: {note}", err=True)
        return None
    return voice


@app.command()
def status(
    ctx: typer.Context,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Her mood (name, PAD, intensity) and your relationship (stage, dimensions, last events)."""
    from samantha.cli.reports import status_lines

    for line in with_companion(settings_from(ctx, persona=persona), status_lines):
        echo(line)


@app.command()
def relationship(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many events to show.")] = 50,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """The timeline of your relationship: every event, its effect and the message behind it."""
    from samantha.cli.reports import relationship_lines

    async def lines(companion: Any) -> list[str]:
        return await relationship_lines(companion, limit)

    for line in with_companion(settings_from(ctx, persona=persona), lines):
        echo(line)


@app.command()
def doctor(
    ctx: typer.Context,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check the backend, token counting, persona and files, in plain lines; exit 1 when a
    check fails (the backend does not answer, the persona does not load)."""
    from samantha.cli.doctor import run_doctor

    settings = settings_from(ctx, backend=backend, model=model, base_url=base_url, persona=persona)
    failed: list[str] = []
    for line in asyncio.run(run_doctor(settings, failed)):
        echo(line)
    if failed:
        echo(f"samantha: doctor found a problem with the {' and the '.join(failed)}.", err=True)
        raise typer.Exit(1)


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the settings in effect, secrets masked."""
    from samantha.config import Paths

    settings = settings_from(ctx)
    echo(f"# from {Paths.from_env().config_file}, SAMANTHA_* variables and flags")
    for key, value in settings.public_view().items():
        if key.endswith("base_url") and isinstance(value, str):
            value = redact(value)  # a key inside the address is a key too
        echo(f"{key} = {_toml_value(value)}")


def _toml_value(value: Any) -> str:
    if value is None:
        return '""  # unset'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@config_app.command("path")
def config_path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from samantha.config import Paths

    echo(str(Paths.from_env().config_file))


for _module in (cli_persona, cli_memory, cli_data, cli_test, cli_duet, cli_keepsakes):
    _module.register(app)


def _print_traceback(exc: BaseException) -> None:
    """--debug's traceback, with every secret samantha knows of masked: a chained client
    error may quote a server's error body, and servers echo keys."""
    import traceback

    text = "".join(traceback.format_exception(exc))
    secrets = {os.environ.get("OPENAI_API_KEY", ""), os.environ.get("SAMANTHA_API_KEY", "")}
    try:
        from samantha.config import load_settings

        key = load_settings().api_key
        if key is not None:
            secrets.add(key.get_secret_value())
    except Exception:  # the traceback must print even when the settings are the problem
        pass
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    sys.stderr.write(shown(text))


def main() -> None:
    """Entry point: every failure ends in one sentence unless --debug asks for more."""
    debug = "--debug" in sys.argv or os.environ.get("SAMANTHA_DEBUG") == "1"
    try:
        if sys.argv[1:]:
            code = app(standalone_mode=False)
        else:
            # `samantha` alone: the chat, as the root command opens it with nothing given,
            # without typer's parse (its coercion of every option, even an absent one,
            # imports pydantic: ~50 ms of CPU before the chat's first frame).
            _run_chat(lambda: settings_from(None), None)
            code = 0
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        echo("samantha: stopped; everything said so far is saved.", err=True)
        sys.exit(130)
    except typer.TyperException as exc:
        # Usage errors: typer prints the usage line and the problem itself.
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            echo(f"samantha: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except SamanthaError as exc:
        if debug:
            _print_traceback(exc)
        echo(f"samantha: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        echo("samantha: stopped; everything said so far is saved.", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            _print_traceback(exc)
            sys.exit(70)
        echo(
            f"samantha: something unexpected went wrong ({type(exc).__name__}); "
            "run the same command with --debug to see the details.",
            err=True,
        )
        sys.exit(70)
    if code == 130:
        # typer turns Ctrl-C into exit code 130 itself, so the handler above never sees it.
        echo("samantha: stopped; everything said so far is saved.", err=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
