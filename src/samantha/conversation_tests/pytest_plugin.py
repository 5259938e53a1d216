"""pytest collects ``*.convo.yaml`` files as tests (registered through the pytest11 entry point).

Each script is one test item. A failure reads as the sentences of the failing steps and her
replies, not as a traceback through the runner. The engine is imported only when a script is
run, so having the plugin installed costs other test runs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from samantha.conversation_tests.results import ScriptResult

SUFFIX = ".convo.yaml"


#: Per run: judge criteria left unscored, and known problems (xfail marks) met.
_SKIPPED = pytest.StashKey[list[str]]()
_KNOWN = pytest.StashKey[list[str]]()


class ScriptFailed(Exception):
    def __init__(self, result: ScriptResult) -> None:
        super().__init__(result.failure_report())
        self.result = result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("samantha", "samantha conversation scripts")
    group.addoption(
        "--convo-backend",
        default=None,
        help="Run every *.convo.yaml script on this backend instead of its own (e.g. ollama).",
    )
    group.addoption(
        "--convo-judge",
        default=None,
        help="A model backend that scores the scripts' judge criteria (skipped without one).",
    )
    group.addoption("--convo-judge-model", default=None, help="The judge's model.")
    group.addoption("--convo-judge-base-url", default=None, help="The judge's server URL.")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line each for what a green run does not show: unscored criteria, known problems."""
    skipped = config.stash.get(_SKIPPED, [])
    known = config.stash.get(_KNOWN, [])
    if skipped:
        terminalreporter.write_line(
            f"conversation scripts: judge criteria in {len(skipped)} script(s) were not scored "
            "(no judge backend; pass --convo-judge with a model backend to score them)"
        )
    if known:
        terminalreporter.write_line(
            f"conversation scripts: {len(known)} known problem(s) marked xfail"
            + (":" if config.option.verbose > 0 else " (-v lists them)")
        )
        if config.option.verbose > 0:
            for line in known:
                terminalreporter.write_line(f"  {line}")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if file_path.name.endswith(SUFFIX):
        found: pytest.File = ConversationFile.from_parent(parent, path=file_path)
        return found
    return None


class ConversationFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield ConversationItem.from_parent(self, name=self.path.name.removesuffix(SUFFIX))


class ConversationItem(pytest.Item):
    def runtest(self) -> None:
        import asyncio

        result = asyncio.run(self._run())
        if result.steps:
            transcript = "\n".join(
                f"{s.number}. {s.label}" + (f"\n   her: {s.reply}" if s.reply is not None else "")
                for s in result.steps
            )
            self.add_report_section("call", "conversation", transcript)
        if not result.passed:
            raise ScriptFailed(result)
        stash = self.config.stash
        if result.expectations_skipped:
            stash.setdefault(_SKIPPED, []).append(self.path.name)
        for step in result.steps:
            if step.status == "xfailed":
                stash.setdefault(_KNOWN, []).append(f"{self.path.name}:{step.line}: {step.xfail}")

    async def _run(self) -> ScriptResult:
        from samantha.conversation_tests.judge import Judge, make_judge
        from samantha.conversation_tests.runner import RunOptions, run_file

        option = self.config.getoption
        judge: Judge | None = None
        if option("convo_judge"):
            judge = make_judge(
                option("convo_judge"), option("convo_judge_model"), option("convo_judge_base_url")
            )
        try:
            return await run_file(
                self.path, RunOptions(backend=option("convo_backend"), judge=judge)
            )
        finally:
            if judge is not None:
                await judge.aclose()

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        from samantha.errors import SamanthaError

        if isinstance(excinfo.value, ScriptFailed | SamanthaError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"conversation script {self.name}"
