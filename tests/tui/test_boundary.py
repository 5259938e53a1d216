"""Only the TUI imports Textual or Rich: the engine, storage and backends load without them."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "samantha.engine",
        "samantha.store",
        "samantha.backends.offline",
        "samantha.backends.scripted",
        "samantha.backends.openai_compat",
    ],
)
def test_module_loads_without_textual_or_rich(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich'})\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
