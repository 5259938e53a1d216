"""Settings by section in the config file and the environment, with the old flat forms still
read (and noted), and writes that put each setting in its section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from samantha.config import Paths, load_settings
from samantha.config.file import write_settings
from samantha.config.model import config_notes
from samantha.errors import ConfigError


def config(text: str) -> Path:
    path = Paths.from_env().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sections_are_read_with_their_short_names() -> None:
    config(
        'persona = "alan"\n\n[backend]\nname = "ollama"\nmodel = "qwen"\n\n'
        "[memory]\nrecall_k = 7\nhalf_life_hours = 10\n\n[voice]\nenabled = true\nvolume = 0.3\n"
        '\n[appearance]\ntheme = "nord"\n'
    )
    settings = load_settings()
    assert (settings.persona, settings.backend, settings.model) == ("alan", "ollama", "qwen")
    assert (settings.recall_k, settings.memory_half_life_hours) == (7, 10.0)
    assert (settings.voice, settings.volume, settings.theme) == (True, 0.3, "nord")
    assert config_notes() == []


def test_a_flat_key_still_works_and_gets_a_note_with_its_new_place() -> None:
    config('recall_k = 3\nbackend = "offline"\n')
    settings = load_settings()
    assert settings.recall_k == 3
    assert config_notes() == [
        "note: the setting 'recall_k' now lives under [memory] in config.toml, as recall_k "
        "(it still works where it is).",
        "note: the setting 'backend' now lives under [backend] in config.toml, as name "
        "(it still works where it is).",
    ]


def test_the_command_line_shows_the_note_once(isolated_home: Path) -> None:
    config("recall_k = 3\n")
    done = subprocess.run(
        [sys.executable, "-m", "samantha", "say", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("'recall_k' now lives under [memory]") == 1


def test_sectioned_environment_variables_set_the_same_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAMANTHA_MEMORY__RECALL_K", "9")
    monkeypatch.setenv("SAMANTHA_VOICE__ENABLED", "true")
    settings = load_settings()
    assert settings.recall_k == 9
    assert settings.voice is True


def test_the_flat_environment_variable_wins_over_the_sectioned_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAMANTHA_MEMORY__RECALL_K", "9")
    monkeypatch.setenv("SAMANTHA_RECALL_K", "4")
    assert load_settings().recall_k == 4


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("[memory]\nrecal_k = 3\n", "did you mean 'memory.recall_k'?"),
        ("recal_k = 3\n", "did you mean 'memory.recall_k'?"),
        ("[backend]\nnmae = 'x'\n", "did you mean 'backend.name'?"),
    ],
)
def test_a_misspelt_key_gets_did_you_mean_with_its_section(text: str, suggestion: str) -> None:
    config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).endswith(suggestion)


def test_writing_puts_each_setting_in_its_section_and_keeps_the_rest() -> None:
    path = config(
        '# my settings\npersona = "alan"\nrecall_k = 3\n\n[backend]\nname = "ollama"  # local\n'
    )
    write_settings({"recall_k": 4, "model": "llama3.2", "volume": 0.5})
    text = path.read_text(encoding="utf-8")
    assert text == (
        '# my settings\npersona = "alan"\n\n[backend]\nname = "ollama"  # local\n'
        'model = "llama3.2"\n\n[memory]\nrecall_k = 4\n\n[voice]\nvolume = 0.5\n'
    )
    settings = load_settings()
    assert (settings.recall_k, settings.model, settings.volume) == (4, "llama3.2", 0.5)
    assert config_notes() == []


def test_removing_a_setting_removes_its_line_in_the_section() -> None:
    path = config('[appearance]\ntheme = "nord"\n\n[memory]\nrecall_k = 2\n')
    write_settings({"theme": None})
    assert path.read_text(encoding="utf-8") == "[appearance]\n\n[memory]\nrecall_k = 2\n"
    assert load_settings().theme is None


def test_the_chat_peeks_its_theme_in_the_appearance_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from samantha.config import peek_setting

    config('[appearance]\ntheme = "nord"\n')
    assert peek_setting("theme") == "nord"
    monkeypatch.setenv("SAMANTHA_APPEARANCE__THEME", "gruvbox")
    assert peek_setting("theme") == "gruvbox"
