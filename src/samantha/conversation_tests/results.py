"""What running a script found: each expectation's outcome, each step's, the script's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

StepStatus = Literal["passed", "failed", "xfailed", "xpassed", "error", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """One expectation: what it asked for, what was there, and whether that held.

    ``passed`` is None when the expectation could not be checked (a judge with no judge).
    """

    expectation: str
    observed: str
    passed: bool | None

    def sentence(self) -> str:
        if self.passed is None:
            return f"{self.expectation}: skipped ({self.observed})"
        return f"expected {self.expectation}, but {self.observed}"


@dataclass
class StepResult:
    index: int
    line: int
    label: str
    outcomes: list[Outcome] = field(default_factory=list)
    #: Her words in this step (a reply or a greeting), when she spoke.
    reply: str | None = None
    #: The sentence of an error that stopped the step (a backend that failed, say).
    error: str | None = None
    #: Why some expectations are known to fail; ``known`` holds their outcomes when they are
    #: a block of their own (None: the step's own expectations are the ones that fail).
    xfail: str | None = None
    known: list[Outcome] | None = None
    seconds: float = 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.passed is False]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.passed is None]

    @property
    def status(self) -> StepStatus:
        if self.error is not None:
            return "error"
        failing = bool(self.failures)
        if self.xfail is None:
            return "failed" if failing else "passed"
        if self.known is None:
            return "xfailed" if failing else "xpassed"
        if failing:
            return "failed"
        return "xfailed" if any(o.passed is False for o in self.known) else "xpassed"

    @property
    def ok(self) -> bool:
        return self.status in {"passed", "xfailed"}

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class ScriptResult:
    path: Path
    title: str | None = None
    steps: list[StepResult] = field(default_factory=list)
    #: How many steps the script has (some may not have run after an error).
    total_steps: int = 0
    seconds: float = 0.0
    #: The script could not be read or started: the sentence, and the line it points at.
    error: str | None = None
    malformed: bool = False
    backend: str = ""
    persona: str = ""

    @property
    def passed(self) -> bool:
        return self.error is None and all(step.ok for step in self.steps)

    @property
    def expectations_passed(self) -> int:
        """Expectations that held, outside what an xfail mark covers."""
        return sum(
            1
            for step in self.steps
            if step.xfail is None or step.known is not None
            for outcome in step.outcomes
            if outcome.passed
        )

    @property
    def expectations_failed(self) -> int:
        failed = 0
        for step in self.steps:
            if step.status == "failed":
                failed += len(step.failures)
            elif step.status in {"xpassed", "error"}:
                failed += 1
        return failed + (1 if self.error is not None else 0)

    @property
    def expectations_skipped(self) -> int:
        return sum(len(s.skipped) for s in self.steps)

    @property
    def known_failures(self) -> int:
        return sum(1 for s in self.steps if s.status == "xfailed")

    def where(self, step: StepResult) -> str:
        return f"{self.path}:{step.line}: step {step.number} ({step.label})"

    def failure_sentences(self) -> list[str]:
        """One sentence per thing that went wrong, each naming the file, line and step."""
        if self.error is not None:
            return [self.error]
        lines: list[str] = []
        for step in self.steps:
            status = step.status
            if status == "error":
                lines.append(f"{self.where(step)}: {step.error}")
            elif status == "xpassed":
                lines.append(
                    f"{self.where(step)}: marked xfail ({step.xfail}), but the expectations "
                    "it covers all held: remove the xfail mark."
                )
            elif status == "failed":
                lines.extend(f"{self.where(step)}: {o.sentence()}." for o in step.failures)
        return lines

    def failure_report(self) -> str:
        """The sentences, each failing step followed by her reply in that step."""
        if self.error is not None:
            return self.error
        blocks: list[str] = []
        for step in self.steps:
            if step.ok:
                continue
            lines = [s for s in self.failure_sentences() if s.startswith(self.where(step) + ":")]
            if step.reply is not None:
                lines.append(f"    her reply: “{step.reply}”")
            blocks.append("\n".join(lines))
        return "\n".join(blocks)
