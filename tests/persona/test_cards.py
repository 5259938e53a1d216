"""Character Cards in (V1, V2, V3; JSON, PNG, CHARX) and out, and round trips through them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from samantha.persona import Persona, load_persona, parse_persona, shipped_personas_dir
from samantha.persona.cardfile import card_json_from_stream, charx_with_card, png_with_card
from samantha.persona.cards import persona_from_card, persona_to_card
from samantha.persona.writer import persona_yaml
from tests.persona.cardkit import card_charx, card_data, card_png, png, text_chunk, v2_card, v3_card


def from_bytes(raw: bytes, name: str = "card") -> Persona:
    return persona_from_card(card_json_from_stream(io.BytesIO(raw), name), name)


def as_json(card: dict[str, Any]) -> bytes:
    return json.dumps(card).encode()


CONTAINERS = {
    "v2 json": lambda: as_json(v2_card()),
    "v3 json": lambda: as_json(v3_card()),
    "v2 png": lambda: card_png("chara", v2_card()),
    "v3 png": lambda: card_png("ccv3", v3_card()),
    "v3 charx": lambda: card_charx(v3_card()),
    "v1 json": lambda: as_json(card_data()),
}


@pytest.mark.parametrize("kind", CONTAINERS)
def test_every_container_gives_the_same_persona(kind: str) -> None:
    mira = from_bytes(CONTAINERS[kind]())
    assert mira.name == "Mira"
    assert mira.description.startswith("{{char}} is a retired lighthouse keeper")
    assert mira.personality == "salty, patient, fond of weather"
    assert mira.scenario == "A stormy night; the radio crackles."
    assert mira.greetings == [
        "Evening, {{user}}. Wind's up.",
        "You again! Good.",
        "Radio check. You there?",
    ]
    assert mira.example_dialogues == [
        "{{user}}: Is it bad out?\n{{char}}: Seen worse. Not much worse.",
        "<USER>: Tell me about the lamp.\n<BOT>: It never once went out.",
    ]
    assert mira.system_prompt == "Write as {{char}} only."
    assert mira.post_history_instructions == "Keep replies under 80 words."
    assert mira.about.notes == "Best with a slow, patient user."
    assert (mira.about.creator, mira.about.tags, mira.about.version) == (
        "tests",
        ["sea", "cozy"],
        "1.2",
    )
    assert mira.pronouns == "", "a card does not say, so we do not guess"


@pytest.mark.parametrize("kind", CONTAINERS)
def test_the_character_book_becomes_the_lorebook(kind: str) -> None:
    book = from_bytes(CONTAINERS[kind]()).lorebook
    assert (book.scan_depth, book.token_budget, book.recursive) == (3, 250, True)
    lamp, cat = book.entries
    assert lamp.keys == ["lighthouse", "the lamp"]
    assert lamp.secondary_keys == ["storm"]
    assert lamp.selective_logic == "all"
    assert lamp.case_sensitive is True
    assert lamp.whole_words is False
    assert (lamp.priority, lamp.insertion_order, lamp.position) == (7, 5, "before_char")
    assert lamp.name == "lighthouse"
    assert lamp.content == "{{char}} kept the lighthouse lamp lit for eleven winters."
    assert cat.constant is True
    assert cat.name == "the cat", "the comment names an entry that has no name"
    assert (cat.case_sensitive, cat.whole_words, cat.priority) == (False, True, 0)


def test_the_source_is_remembered() -> None:
    assert from_bytes(card_png("ccv3", v3_card()), "mira.png").about.source == (
        "mira.png (chara_card_v3)"
    )
    assert from_bytes(as_json(card_data()), "old.json").about.source == "old.json (chara_card_v1)"


def test_a_png_with_both_cards_is_read_as_v3() -> None:
    both = png(text_chunk("chara", v2_card(name="Old")), text_chunk("ccv3", v3_card(name="New")))
    assert from_bytes(both).name == "New"


def test_other_text_chunks_are_skipped() -> None:
    raw = png(
        text_chunk("Comment", b"made by hand"), text_chunk("chara", v2_card()), text_chunk("", b"")
    )
    assert from_bytes(raw).name == "Mira"


def test_nulls_numbers_and_comma_keys_are_accepted() -> None:
    book = {
        "entries": [
            {"keys": "moon, tide ,", "content": "x", "priority": None, "insertion_order": 2.7}
        ]
    }
    card = v2_card(personality=None, character_version=3, character_book=book, tags=None)
    mira = from_bytes(as_json(card))
    assert (mira.personality, mira.about.version, mira.about.tags) == ("", "3", [])
    entry = mira.lorebook.entries[0]
    assert entry.keys == ["moon", "tide"]
    assert (entry.priority, entry.insertion_order) == (0, 2)


def test_regex_keys_are_kept_but_switched_off() -> None:
    card = v3_card()
    card["data"]["character_book"]["entries"][0]["use_regex"] = True
    lamp = from_bytes(as_json(card)).lorebook.entries[0]
    assert lamp.enabled is False
    assert lamp.keys == ["lighthouse", "the lamp"]


def test_a_name_can_be_given() -> None:
    raw = card_json_from_stream(io.BytesIO(as_json(v2_card(name=""))), "c")
    assert persona_from_card(raw, "c", name="Wren").name == "Wren"


def rich_persona() -> Persona:
    return parse_persona(
        """
name: Wren
pronouns: they/them
tagline: a night-shift radio voice
description: "{{char}} hosts a call-in show for insomniacs."
personality: wry
scenario: 3 a.m., the studio.
voice: Low and slow.
backstory: Took over the show from a retired host.
values: [listening]
boundaries: [no medical advice]
greetings: ["You're on the air, {{user}}.", "Still up?"]
example_dialogues: ["{{user}}: Can't sleep.\\n{{char}}: Nobody can. That's the show."]
system_prompt: Stay on air.
post_history_instructions: Short.
temperature: 0.7
max_reply_tokens: 200
accent_color: "#223344"
temperament: {baseline: {pleasure: 0.2, arousal: -0.3, dominance: 0.0}, volatility: 0.4}
relationship: {stages: [{name: caller, threshold: 0}, {name: regular, threshold: 0.3}]}
lorebook:
  scan_depth: 6
  token_budget: 99
  recursive: true
  entries:
    - {keys: [studio], secondary_keys: [night, late], selective_logic: not_any, content: A.}
    - {keys: [Host], case_sensitive: true, whole_words: false, priority: 3, content: B.}
    - {constant: true, enabled: false, insertion_order: 1, position: before_char, name: C}
offline_voice: {comfort: ["Stay on the line, {{user}}."], openers: ["Right, so"]}
about: {creator: me, notes: n, tags: [radio], version: "2"}
"""
    )


def shipped_and_rich() -> list[Persona]:
    shipped = [load_persona(p) for p in sorted(shipped_personas_dir().glob("*.yaml"))]
    return [*shipped, rich_persona()]


def without_source(persona: Persona) -> dict[str, Any]:
    return persona.model_dump(exclude={"about": {"source"}})


@pytest.mark.parametrize("container", ["v2 json", "v3 json", "png", "v3 png", "charx"])
def test_personas_survive_a_round_trip_through_a_card(container: str) -> None:
    for persona in shipped_and_rich():
        v2, v3 = persona_to_card(persona, "v2"), persona_to_card(persona, "v3")
        raw = {
            "v2 json": as_json(v2),
            "v3 json": as_json(v3),
            "png": png_with_card({b"chara": v2}),
            "v3 png": png_with_card({b"chara": v2, b"ccv3": v3}),
            "charx": charx_with_card(v3),
        }[container]
        back = from_bytes(raw)
        assert without_source(back) == without_source(persona), persona.name


def test_exported_cards_say_what_other_apps_expect() -> None:
    card = persona_to_card(rich_persona(), "v2")
    assert (card["spec"], card["spec_version"]) == ("chara_card_v2", "2.0")
    data = card["data"]
    assert data["first_mes"] == "You're on the air, {{user}}."
    assert data["alternate_greetings"] == ["Still up?"]
    assert data["mes_example"].startswith("<START>\n{{user}}: Can't sleep.")
    entry = data["character_book"]["entries"][0]
    assert (entry["selective"], entry["extensions"]["selectiveLogic"]) == (True, 2)
    assert data["extensions"]["samantha"]["voice"] == "Low and slow."
    v3 = persona_to_card(rich_persona(), "v3")
    assert (v3["spec"], v3["data"]["group_only_greetings"]) == ("chara_card_v3", [])
    assert v3["data"]["character_book"]["entries"][0]["use_regex"] is False


def test_a_foreign_card_survives_import_export_import() -> None:
    first = from_bytes(card_png("ccv3", v3_card()))
    again = from_bytes(as_json(persona_to_card(first, "v2")))
    assert without_source(again) == without_source(first)


def test_an_imported_card_writes_yaml_that_loads_back(tmp_path: Path) -> None:
    mira = from_bytes(card_charx(v3_card()))
    path = tmp_path / "mira.yaml"
    path.write_text(persona_yaml(mira, ["imported"]), encoding="utf-8")
    assert load_persona(path) == mira
