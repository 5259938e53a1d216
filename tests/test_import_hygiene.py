"""Heavy libraries load only where they are used, so `samantha say` and `--version` start fast,
and only the front ends load Textual or Rich (``lint-imports`` checks the layers statically;
this checks what really loads, lazy imports included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ["textual", "rich", "openai", "tiktoken"]


def loaded_after(*modules: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after importing ``modules`` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMANTHA_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_engine_and_cli_do_not_import_heavy_libraries() -> None:
    loaded = loaded_after("samantha.engine", "samantha.cli.main")
    assert "samantha" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize(
    "module",
    [
        "samantha.config",
        "samantha.store",
        "samantha.backends.base",
        "samantha.voice.offline",
        "samantha.backends.scripted",
        "samantha.backends.openai_compat",
        "samantha.cli.doctor",
    ],
)
def test_foundations_do_not_import_heavy_libraries(module: str) -> None:
    loaded = loaded_after(module)
    assert loaded.isdisjoint(HEAVY), (module, sorted(loaded & set(HEAVY)))


def test_a_glance_at_her_history_loads_no_models() -> None:
    # The chat paints it before pydantic (and the engine) load: see samantha.engine.glance.
    loaded = loaded_after("samantha.engine.glance", "samantha.store.glance")
    assert loaded.isdisjoint({*HEAVY, "pydantic", "pydantic_settings"}), sorted(loaded)


def test_the_tui_does_import_textual() -> None:
    # Sanity: the check above would pass vacuously if it could not see imports at all.
    assert "textual" in loaded_after("samantha.tui.app")


def test_the_openai_adapter_loads_openai_only_when_used() -> None:
    assert "openai" not in loaded_after("samantha.backends.openai_compat")
