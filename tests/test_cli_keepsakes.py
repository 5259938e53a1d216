"""`samantha write`, `samantha keepsakes ...`, in process through typer's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from samantha.cli.main import app


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_write_list_show_revise_export_delete(cli: CliRunner, tmp_path: Path) -> None:
    invoke(cli, "say", "My sister Mira is getting married in June.")
    letter = invoke(cli, "write", "a letter to my sister for her wedding")
    assert "Dear Mira," in letter
    assert "June" in letter
    listed = invoke(cli, "keepsakes", "list")
    assert "#1" in listed
    assert "a letter to my sister for her wedding" in listed
    invoke(cli, "keepsakes", "revise", "1", "make it shorter")
    shown = invoke(cli, "keepsakes", "show", "2")
    assert "version 2 of 2" in shown
    assert "make it shorter" in shown
    assert "My sister Mira is getting married in June." in shown
    out = tmp_path / "out"
    invoke(cli, "keepsakes", "export", "-o", str(out))
    (written,) = out.iterdir()
    assert written.read_text(encoding="utf-8").startswith("# Letter: a letter to my sister")
    assert "2 versions" in invoke(cli, "keepsakes", "delete", "1", "--yes")
    assert "hasn't written anything" in invoke(cli, "keepsakes", "list")


def test_showing_a_missing_keepsake_is_one_sentence(cli: CliRunner) -> None:
    result = cli.invoke(app, ["keepsakes", "show", "9"])
    assert result.exit_code != 0
    assert "There is no keepsake 9" in str(result.exception)
