"""Whatever bytes arrive, the answer is a Persona or a PersonaError sentence, nothing else."""

from __future__ import annotations

import io
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samantha.errors import PersonaError
from samantha.persona import Persona, parse_persona, shipped_personas_dir
from samantha.persona.cardfile import card_json_from_stream
from samantha.persona.cards import persona_from_card, persona_to_card
from samantha.persona.writer import persona_yaml
from tests.persona.cardkit import card_charx, card_png, v2_card, v3_card

FAST = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis folder in the working tree
    suppress_health_check=[HealthCheck.too_slow],
)
SAMANTHA = (shipped_personas_dir() / "samantha.yaml").read_text("utf-8")
FIELDS = [*Persona.model_fields, "nmae", "first_mes", "lorebook", "entries", "keys", "1"]


def outcome_of_yaml(text: str) -> Persona | None:
    try:
        return parse_persona(text, "fuzz.yaml")
    except PersonaError as exc:
        sentence = str(exc)
    assert sentence.startswith("fuzz.yaml"), sentence
    assert "\n" not in sentence.strip(), sentence
    return None


@st.composite
def mutated(draw: st.DrawFn, original: str | bytes) -> Any:
    """The original with a few slices deleted, replaced or duplicated."""
    data = original
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        if isinstance(data, str):
            insert: Any = draw(st.text(max_size=12))
        else:
            insert = draw(st.binary(max_size=12))
        action = draw(st.sampled_from(["delete", "replace", "duplicate", "truncate"]))
        if action == "delete":
            data = data[:start] + data[end:]
        elif action == "replace":
            data = data[:start] + insert + data[end:]
        elif action == "duplicate":
            data = data[:end] + data[start:end] + data[end:]
        else:
            data = data[:start]
    return data


@FAST
@given(st.text(max_size=300))
def test_any_text_is_a_persona_or_a_sentence(text: str) -> None:
    outcome_of_yaml(text)


@FAST
@given(mutated(SAMANTHA))
def test_a_damaged_persona_file_is_a_persona_or_a_sentence(text: str) -> None:
    outcome_of_yaml(text)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@FAST
@given(st.dictionaries(st.sampled_from(FIELDS), yaml_values, max_size=8))
def test_any_mapping_of_fields_is_a_persona_or_a_sentence(data: dict[str, Any]) -> None:
    outcome_of_yaml(yaml.safe_dump(data, allow_unicode=True))


def outcome_of_card(raw: bytes) -> Persona | None:
    try:
        card = card_json_from_stream(io.BytesIO(raw), "fuzz.card")
        persona = persona_from_card(card, "fuzz.card")
    except PersonaError as exc:
        sentence = str(exc)
    else:
        # Whatever imports must also write out as YAML that loads back to the same persona.
        assert parse_persona(persona_yaml(persona, ["fuzz"])) == persona
        return persona
    assert "\n" not in sentence.strip(), sentence
    return None


SEEDS = [
    json.dumps(v2_card()).encode(),
    card_png("chara", v2_card()),
    card_png("ccv3", v3_card()),
    card_charx(v3_card()),
]


@FAST
@given(st.sampled_from(SEEDS).flatmap(mutated))
def test_damaged_card_files_are_a_persona_or_a_sentence(raw: bytes) -> None:
    outcome_of_card(raw)


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_are_a_persona_or_a_sentence(raw: bytes) -> None:
    outcome_of_card(raw)


card_text = st.text(max_size=40)
card_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(card_text, st.integers(), st.none()),
        "description": st.one_of(card_text, st.none(), st.lists(card_text, max_size=2)),
        "first_mes": card_text,
        "alternate_greetings": st.lists(card_text, max_size=3),
        "mes_example": st.lists(st.sampled_from(["<START>", "<start>\n", "{{user}}: hi", "x"])).map(
            "".join
        ),
        "tags": st.one_of(st.lists(card_text, max_size=3), st.none()),
        "character_book": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "scan_depth": st.one_of(st.integers(), st.floats(), st.none()),
                    "token_budget": st.one_of(st.integers(), st.floats(), st.none()),
                    "entries": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "keys": st.one_of(st.lists(card_text, max_size=3), card_text),
                                "content": card_text,
                                "priority": st.one_of(st.floats(), st.integers(), st.none()),
                                "insertion_order": st.one_of(st.floats(), st.integers()),
                                "selective": st.booleans(),
                                "secondary_keys": st.lists(card_text, max_size=2),
                                "extensions": st.dictionaries(
                                    st.sampled_from(["selectiveLogic", "match_whole_words"]),
                                    yaml_values,
                                    max_size=2,
                                ),
                            },
                        ),
                        max_size=3,
                    ),
                },
            ),
        ),
        "extensions": st.dictionaries(st.just("samantha"), yaml_values, max_size=1),
    },
)


@FAST
@given(st.sampled_from(["chara_card_v2", "chara_card_v3"]), card_fields)
def test_odd_but_well_formed_cards_are_a_persona_or_a_sentence(
    spec: str, data: dict[str, Any]
) -> None:
    persona = outcome_of_card(json.dumps({"spec": spec, "data": data}).encode())
    if persona is not None:
        again = persona_from_card(persona_to_card(persona, "v2"), "again")
        assert again.model_dump(exclude={"about"}) == persona.model_dump(exclude={"about"})
