"""`samantha memory ...` and `samantha prompt`, in process through typer's runner (and one
subprocess for the error path, where cli.main() turns errors into a sentence)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samantha.cli.main import app
from tests.test_cli import assert_one_line_error, run


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(cli: CliRunner, *args: str, stdin: str | None = None) -> str:
    result = cli.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_list_show_search_edit_forget(cli: CliRunner) -> None:
    invoke(cli, "say", "My sister is called Anna and I love jazz.")
    listed = invoke(cli, "memory", "list")
    assert "person" in listed
    assert "My sister is called Anna." in listed
    sister = next(ln for ln in listed.splitlines() if "Anna" in ln)
    memory_id = sister.split()[0].lstrip("#")
    shown = invoke(cli, "memory", "show", memory_id)
    assert "from message 1 in conversation 1" in shown
    assert "My sister is called Anna and I love jazz." in shown
    assert "jazz" in invoke(cli, "memory", "search", "jazz")
    assert "Anna" not in invoke(cli, "memory", "search", "jazz")
    edited = invoke(cli, "memory", "edit", memory_id, "My sister is called Anne.")
    assert "Anne." in edited
    invoke(cli, "memory", "forget", memory_id, stdin="y\n")
    assert "Anne" not in invoke(cli, "memory", "list")


def test_forget_asks_and_no_keeps_it(cli: CliRunner) -> None:
    invoke(cli, "say", "I love jazz.")
    memory_id = invoke(cli, "memory", "list").split()[0].lstrip("#")
    result = cli.invoke(app, ["memory", "forget", memory_id], input="n\n")
    assert result.exit_code != 0
    assert "jazz" in invoke(cli, "memory", "list")


def test_export_is_private_and_imports_back(cli: CliRunner, tmp_path: Path) -> None:
    invoke(cli, "say", "Call me Theo. My dog is named Rex.")
    target = tmp_path / "memories.json"
    invoke(cli, "memory", "export", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    assert document["core"]["user_name"] == "Theo"
    assert {m["text"] for m in document["memories"]} >= {"My dog is called Rex."}
    # Into another companion's memory: the same facts, and her name for you.
    imported = invoke(cli, "--persona", "alan", "memory", "import", str(target))
    assert "Imported" in imported
    assert "My dog is called Rex." in invoke(cli, "--persona", "alan", "memory", "list")


def test_prompt_prints_each_section_with_its_tokens(cli: CliRunner) -> None:
    invoke(cli, "say", "My sister is called Anna.")
    out = invoke(cli, "prompt", "How is my sister?", "--full")
    table = out.split("\n\n")[0]
    names = [ln.split()[0] for ln in table.splitlines()[1:-1]]
    assert names[:4] == ["persona", "core", "mood", "time"]
    assert names[-1] == "history"
    assert table.splitlines()[0].split() == ["section", "tokens", "budget"]
    # The persona and core memory have budgets of their own, scaled to the window.
    persona_row = table.splitlines()[1].split()
    assert persona_row[0] == "persona"
    assert int(persona_row[1]) <= int(persona_row[2])
    assert "── system: the moment (mood, time, memories...) ──" in out
    assert "How is my sister?" in out
    before = invoke(cli, "memory", "list")
    invoke(cli, "prompt", "I love tea.")
    assert invoke(cli, "memory", "list") == before  # a preview stores nothing


def test_a_file_that_is_not_an_export_gets_one_sentence(
    isolated_home: Path, tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"memories": "nope"}')
    line = assert_one_line_error(run(isolated_home, "memory", "import", str(bogus)), 2)
    assert "is not a memory export" in line
    line = assert_one_line_error(run(isolated_home, "memory", "show", "99"), 2)
    assert "no memory 99" in line
