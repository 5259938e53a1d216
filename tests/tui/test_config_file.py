"""Settings the app saves land in the TOML config file: private, comments kept, readable back."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from samantha.config import Paths, load_settings
from samantha.config.file import read_config, write_settings
from samantha.config.sections import flatten
from samantha.errors import ConfigError


def test_a_new_file_is_created_private_and_read_back_by_settings() -> None:
    path = write_settings({"backend": "ollama", "model": "llama3.2", "persona": "samantha"})
    assert path == Paths.from_env().config_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings()
    assert (settings.backend, settings.model) == ("ollama", "llama3.2")


def test_other_lines_and_comments_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# my settings\nbackend = "openai"  # the usual\nseed = 3\n\n[extra]\nx = 1\n',
        encoding="utf-8",
    )
    path.chmod(0o644)
    write_settings({"backend": "offline", "model": "m", "seed": None}, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my settings\n")
    # Each setting lands in its section ([backend] name, model); other tables stay.
    assert flatten(tomllib.loads(text))[0] == {
        "backend": "offline",
        "model": "m",
        "extra": {"x": 1},
    }
    assert tomllib.loads(text)["backend"] == {"name": "offline", "model": "m"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_strings_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    awkward = 'a "quoted" \\ path\nwith\ttabs and \x1b escapes'
    write_settings({"base_url": awkward}, path)
    assert flatten(read_config(path))[0] == {"base_url": awkward}


def test_a_multiline_value_falls_back_to_a_whole_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_url = """\nhttp://x\n"""\nseed = 1\n', encoding="utf-8")
    write_settings({"base_url": "http://y/v1"}, path)
    assert flatten(read_config(path))[0] == {"base_url": "http://y/v1", "seed": 1}


def test_unknown_keys_and_broken_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="no setting called 'colour'"):
        write_settings({"colour": "red"}, path)
    path.write_text("backend = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        write_settings({"backend": "offline"}, path)
    assert path.read_text(encoding="utf-8") == "backend = ["
