"""The persona model: short files are valid, macros work everywhere, colours are checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from samantha.persona import Persona, parse_persona
from samantha.persona.macros import fill


def test_a_three_line_file_is_a_whole_persona() -> None:
    persona = parse_persona("name: Ada\ntagline: a patient listener\ngreetings: [Hello.]\n")
    assert persona.name == "Ada"
    assert persona.key == "ada"
    assert persona.greetings == ["Hello."]
    assert persona.offline_voice.comfort  # defaults fill the rest
    assert persona.lorebook.entries == []


@pytest.mark.parametrize(
    "text",
    [
        "{{user}} meets {{char}}",
        "{{User}} meets {{Char}}",
        "{{ USER }} meets {{ char }}",
        "<USER> meets <BOT>",
        "<user> meets <char>",
    ],
)
def test_every_macro_spelling_is_filled(text: str) -> None:
    assert fill(text, "Ada", "Theo") == "Theo meets Ada"


def test_text_without_macros_is_untouched() -> None:
    text = "a < b and {curly} but no macro"
    assert fill(text, "Ada", "Theo") is text


def test_fill_keeps_its_old_signature() -> None:
    persona = Persona(name="Ada")
    assert persona.fill("hi {{user}}, I'm {{char}}") == "hi you, I'm Ada"
    assert persona.fill("hi <USER>", "Theo") == "hi Theo"


def test_filled_reaches_nested_fields_and_the_lorebook() -> None:
    persona = parse_persona(
        """
name: Ada
description: "{{char}} likes {{user}}"
values: ["being kind to {{User}}"]
greetings: ["Hi <USER>, I'm <BOT>."]
offline_voice: {comfort: ["There, there, {{user}}."]}
lorebook:
  entries:
    - keys: ["{{char}}'s garden"]
      content: "{{char}} grows tomatoes for {{user}}."
about: {notes: "made for {{user}}"}
"""
    )
    filled = persona.filled("Theo")
    assert filled.description == "Ada likes Theo"
    assert filled.values == ["being kind to Theo"]
    assert filled.greetings == ["Hi Theo, I'm Ada."]
    assert filled.offline_voice.comfort == ["There, there, Theo."]
    entry = filled.lorebook.entries[0]
    assert entry.keys == ["Ada's garden"]
    assert entry.content == "Ada grows tomatoes for Theo."
    assert filled.about.notes == "made for Theo"
    assert persona.description == "{{char}} likes {{user}}", "the original is left alone"


def test_filled_keeps_the_name_and_numbers() -> None:
    persona = parse_persona("name: Ada\ntemperature: 0.4\naccent_color: teal\n")
    filled = persona.filled("Theo")
    assert (filled.name, filled.temperature, filled.accent_color) == ("Ada", 0.4, "teal")
    assert filled.temperament == persona.temperament
    assert filled.relationship == persona.relationship


@pytest.mark.parametrize(
    ("given", "kept"),
    [("#e8705f", "#e8705f"), ("#ABC", "#ABC"), ("#11223344", "#11223344"), ("Teal", "teal")],
)
def test_accent_colours_accept_hex_and_names(given: str, kept: str) -> None:
    assert Persona(name="Ada", accent_color=given).accent_color == kept


@pytest.mark.parametrize(
    ("given", "hint"),
    [("tael", "did you mean 'teal'"), ("#12345", "3, 4, 6 or 8 hex digits"), ("qqq", "hex code")],
)
def test_bad_accent_colours_say_how_to_fix_them(given: str, hint: str) -> None:
    with pytest.raises(ValidationError, match=hint):
        Persona(name="Ada", accent_color=given)
