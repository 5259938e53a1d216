"""Tests of the conversation-script runner itself.

pytester is enabled here rather than with ``pytest_plugins``, which pytest refuses outside the
top-level conftest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from samantha.conversation_tests.results import ScriptResult
from samantha.conversation_tests.runner import RunOptions, run_file

RunScript = Callable[..., Awaitable[ScriptResult]]
WriteScript = Callable[..., Path]


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def write_script(tmp_path: Path) -> WriteScript:
    def write(text: str, name: str = "story.convo.yaml") -> Path:
        path = tmp_path / "scripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_script(write_script: WriteScript) -> RunScript:
    """Write a script and run it through the real engine: the result comes back."""

    async def run(text: str, name: str = "story.convo.yaml", **options: object) -> ScriptResult:
        return await run_file(write_script(text, name), RunOptions(**options))  # type: ignore[arg-type]

    return run
