"""What ``samantha test`` prints: a table of scripts, then each failing step in full."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from samantha.conversation_tests.results import ScriptResult


def shown_path(path: Path) -> str:
    """Relative to the working directory when it is inside it: shorter, and clickable."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:  # outside the working directory
        return str(path)


def _common_folder(results: Sequence[ScriptResult]) -> Path | None:
    """Several scripts from one folder: name them relative to it, so the table stays narrow."""
    if len(results) < 2:
        return None
    try:
        common = Path(os.path.commonpath([r.path.resolve().parent for r in results]))
    except ValueError:
        return None
    return common if common != Path(common.anchor) else None


def render(results: Sequence[ScriptResult], console: Console, *, verbose: bool = False) -> None:
    skipped = any(r.expectations_skipped for r in results)
    known = any(r.known_failures for r in results)
    folder = _common_folder(results)
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        expand=True,
        title=f"{shown_path(folder)}/" if folder else None,
        title_justify="left",
    )
    table.add_column("", no_wrap=True)
    table.add_column("script", overflow="fold", ratio=1)
    numbers = ["steps", "passed", "failed"] + ["skipped"] * skipped + ["xfail"] * known + ["time"]
    for title in numbers:
        table.add_column(title, justify="right", no_wrap=True)
    for result in results:
        mark, style = ("✓", "green") if result.passed else ("✗", "red")
        if folder:
            # The title names the folder; the rows are the stories in it.
            relative = str(result.path.resolve().relative_to(folder))
            name = Text(relative.removesuffix(".convo.yaml"))
        else:
            name = Text(shown_path(result.path))
        steps = str(result.total_steps)
        if len(result.steps) < result.total_steps:
            steps = f"{len(result.steps)}/{result.total_steps}"
        failed = result.expectations_failed
        row: list[Text | str] = [
            Text(mark, style=style),
            name,
            steps if not result.malformed else "-",
            str(result.expectations_passed),
            Text(str(failed), style="red" if failed else ""),
        ]
        if skipped:
            row.append(str(result.expectations_skipped))
        if known:
            row.append(str(result.known_failures))
        row.append(f"{result.seconds:.2f} s")
        table.add_row(*row)
    console.print(table)
    for result in results:
        if not result.passed:
            _failure(result, console)
        elif verbose:
            _steps(result, console)
    _notes(results, console)


def _failure(result: ScriptResult, console: Console) -> None:
    header = Text(f"✗ {shown_path(result.path)}", style="bold red")
    if result.title:
        header.append(f"  {result.title}", style="dim")
    console.print(header)
    if result.error is not None:
        console.print(Text(f"  {result.error}"))
        console.print()
        return
    for step in result.steps:
        if step.ok:
            continue
        header = Text(f"  step {step.number}, line {step.line}: ", style="bold")
        header.append(step.label)
        console.print(header)
        if step.status == "error":
            console.print(Text(f"    error:    {step.error}", style="red"))
        elif step.status == "xpassed":
            console.print(
                Text(
                    f"    marked xfail ({step.xfail}), but what it covers held: remove the mark",
                    style="red",
                )
            )
        for outcome in step.failures if step.status == "failed" else []:
            console.print(Text(f"    expected: {outcome.expectation}"))
            console.print(Text(f"    observed: {outcome.observed}", style="red"))
        if step.reply is not None:
            console.print(Text(f"    her reply: “{step.reply}”", style="dim"))
    console.print()


def _steps(result: ScriptResult, console: Console) -> None:
    header = Text(f"✓ {shown_path(result.path)}", style="green")
    if result.title:
        header.append(f"  {result.title}", style="dim")
    console.print(header)
    for step in result.steps:
        console.print(Text(f"  {step.number:>2}. {step.label} ({step.status})"))
        if step.reply is not None:
            console.print(Text(f"      “{step.reply}”", style="dim"))


def _notes(results: Sequence[ScriptResult], console: Console) -> None:
    judged = sum(r.expectations_skipped for r in results)
    if judged:
        console.print(
            Text(
                f"{judged} judge criteria skipped: no judge backend is configured "
                "(pass --judge with a model backend, for example --judge openai).",
                style="yellow",
            )
        )
    known = [(r, s) for r in results for s in r.steps if s.status == "xfailed"]
    for result, step in known:
        console.print(
            Text(
                f"known problem (xfail) at {shown_path(result.path)}:{step.line}: {step.xfail}",
                style="yellow",
            )
        )
    failed = sum(1 for r in results if not r.passed)
    total = sum(r.seconds for r in results)
    summary = f"{len(results)} script{'s' if len(results) != 1 else ''}: "
    summary += f"{len(results) - failed} passed, {failed} failed in {total:.2f} s"
    console.print(Text(summary, style="bold red" if failed else "bold green"))
