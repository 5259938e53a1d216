"""Every way a persona file can be wrong ends in one sentence: file, line:column, field, fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from samantha.errors import PersonaError
from samantha.persona import load_persona


def error_for(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "ada.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(PersonaError) as caught:
        load_persona(path)
    sentence = str(caught.value)
    assert "\n" not in sentence.strip(), sentence
    assert "Traceback" not in sentence
    assert sentence.endswith((".", "?")), sentence
    return sentence.replace(str(path), "ada.yaml")


CASES = [
    # (file content, where, words the sentence must contain)
    ("name: Ada\nnmae: Bob\n", "ada.yaml:2:1", ["'nmae'", "did you mean 'name'?"]),
    (
        "name: Ada\ntemperament:\n  volatilty: 0.5\n",
        "ada.yaml:3:3",
        ["'volatilty'", "in 'temperament'", "did you mean 'volatility'?"],
    ),
    (
        "name: Ada\nrelationship:\n  hysteresys: 0.1\n",
        "ada.yaml:3:3",
        ["'hysteresys'", "in 'relationship'", "did you mean 'hysteresis'?"],
    ),
    (
        "name: Ada\nlorebook:\n  entries:\n    - keys: [x]\n      contnet: y\n",
        "ada.yaml:5:7",
        ["'contnet'", "in 'lorebook.entries[0]'", "did you mean 'content'?"],
    ),
    (
        "name: Ada\nlorebook:\n  scan_dept: 3\n",
        "ada.yaml:3:3",
        ["'scan_dept'", "in 'lorebook'", "did you mean 'scan_depth'?"],
    ),
    (
        "name: Ada\noffline_voice:\n  comfrt: [there]\n",
        "ada.yaml:3:3",
        ["'comfrt'", "in 'offline_voice'", "did you mean 'comfort'?"],
    ),
    (
        "name: Ada\nrelationship:\n  event_weights:\n    insult: {closeness: -0.1, tensoin: 0.2}\n",
        "ada.yaml:4:31",
        ["'tensoin'", "in 'relationship.event_weights.insult'", "did you mean 'tension'?"],
    ),
    (
        "name: Ada\nrelationship:\n  stages:\n    - {name: friend, treshold: 0.2}\n",
        "ada.yaml:4:22",
        ["'treshold'", "in 'relationship.stages[0]'", "did you mean 'threshold'?"],
    ),
    (
        "name: Ada\nabout:\n  creater: me\n",
        "ada.yaml:3:3",
        ["'creater'", "in 'about'", "did you mean 'creator'?"],
    ),
    ("# comment\ntagline: hi\n", "ada.yaml:2:1", ["has no name", "`name: Ada`"]),
    ("name: Ada\ntemperature: hot\n", "ada.yaml:2:14", ["'temperature'", "a number", "'hot'"]),
    ("name: Ada\ntemperature: 3\n", "ada.yaml:2:14", ["'temperature'", "at most 2"]),
    ("name: Ada\nvalues: honesty\n", "ada.yaml:2:9", ["'values'", "a list", "'- '"]),
    ("name: Ada\ntagline: 2024-05-01\n", "ada.yaml:2:10", ["'tagline'", "text", "quotes"]),
    ("name: Ada\ntemperament: calm\n", "ada.yaml:2:14", ["'temperament'", "section"]),
    (
        "name: Ada\nlorebook:\n  entries:\n    - {keys: [a], constant: maybe}\n",
        "ada.yaml:4:29",
        ["'lorebook.entries[0].constant'", "true or false"],
    ),
    (
        "name: Ada\nlorebook:\n  entries:\n    - {selective_logic: sometimes}\n",
        "ada.yaml:4:25",
        ["'lorebook.entries[0].selective_logic'", "'any'", "'not_all'"],
    ),
    (
        "name: Ada\nrelationship:\n  stages:\n    - {threshold: 0.2}\n",
        "ada.yaml:4:7",
        ["'relationship.stages[0].name' is required", "add `name:`"],
    ),
    ("name: Ada\naccent_color: tael\n", "ada.yaml:2:15", ["'accent_color'", "did you mean 'teal'"]),
    ("name: Ada\nfirst_mes: Hi!\n", "ada.yaml:2:1", ["Character Card", "'greetings'"]),
    ("name: '  '\n", "ada.yaml:1:7", ["name is empty"]),
    ("name: Ada\nname: Bob\n", "ada.yaml:2:1", ["'name' appears twice", "line 1"]),
    ("name: Ada\ndescription: a: b\n", "ada.yaml:2:15", ["malformed", "quotes"]),
    ("name: Ada\n\tvoice: soft\n", "ada.yaml:2:1", ["malformed", "spaces, not tabs"]),
    ("name: [Ada\n", "ada.yaml:2:1", ["malformed"]),
    ("- name: Ada\n", "ada.yaml:1:1", ["mapping", "not a list"]),
    ("just words\n", "ada.yaml:1:1", ["mapping", "not a single value"]),
    ("", "ada.yaml:1:1", ["empty", "`name: Ada`"]),
    ("# only a comment\n", "ada.yaml:1:1", ["empty"]),
    ("name: Ada\nvoice: a\x07b\n", "ada.yaml:2:9", ["control character"]),
    (b"name: Ada\ntagline: caf\xe9\n", "ada.yaml:2:13", ["not UTF-8", "0xe9", "save it as UTF-8"]),
    ("name: Ada\n1: x\n", "ada.yaml:2:1", ["key '1'", "not a field name"]),
]


@pytest.mark.parametrize(("content", "where", "words"), CASES)
def test_the_sentence_points_at_the_problem(
    tmp_path: Path, content: str | bytes, where: str, words: list[str]
) -> None:
    sentence = error_for(tmp_path, content)
    assert sentence.startswith(where + ": "), sentence
    for word in words:
        assert word in sentence, (word, sentence)


def test_later_problems_are_counted_not_listed(tmp_path: Path) -> None:
    sentence = error_for(tmp_path, "name: Ada\nfoo: 1\nbar: 2\ntemperature: hot\n")
    assert sentence.startswith("ada.yaml:2:1: there is no field 'foo'"), sentence
    assert "(2 more problems after this one)" in sentence


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    sentence = error_for(tmp_path, "\n".join(["name: Ada", *lines]) + "\n")
    assert "aliases" in sentence


def test_a_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    sentence = error_for(tmp_path, "name: Ada\n" + "# padding\n" * 200_000)
    assert "too big for a persona file" in sentence


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="There is no persona file at"):
        load_persona(tmp_path / "nobody.yaml")
    with pytest.raises(PersonaError, match="is a folder"):
        load_persona(tmp_path)


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Zoë\n".encode())
    assert load_persona(path).name == "Zoë"
