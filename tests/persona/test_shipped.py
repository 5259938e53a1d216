"""The shipped companions: valid, documented for editors, and audibly different offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from samantha.config import load_settings
from samantha.persona import Persona, load_persona, shipped_personas_dir
from samantha.persona.model import OfflineVoice
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect

SHIPPED = sorted(shipped_personas_dir().glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=./persona.schema.json"
BANKS = list(OfflineVoice.model_fields)


def test_there_are_at_least_three_companions() -> None:
    assert {p.stem for p in SHIPPED} >= {"samantha", "alan", "edith"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_file_is_valid_and_points_editors_at_the_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE
    persona = load_persona(path)
    assert persona.key == path.stem
    assert persona.tagline
    assert persona.description
    assert persona.greetings
    defaults = OfflineVoice()
    for bank in BANKS:
        phrases = getattr(persona.offline_voice, bank)
        assert phrases, (path.stem, bank)
        assert phrases != getattr(defaults, bank), f"{path.stem} uses the default {bank} bank"


def test_no_two_companions_share_a_phrase() -> None:
    owners: dict[str, str] = {}
    for path in SHIPPED:
        voice = load_persona(path).offline_voice
        for bank in BANKS:
            for phrase in getattr(voice, bank):
                assert owners.setdefault(phrase, path.stem) == path.stem, phrase


def test_the_shipped_schema_is_the_models_schema() -> None:
    # If this fails, the persona model changed: regenerate the file with
    #   samantha persona schema -o personas/persona.schema.json
    # and commit it, so editors validate persona files against the current format.
    shipped = json.loads((shipped_personas_dir() / "persona.schema.json").read_text("utf-8"))
    assert shipped == Persona.model_json_schema()


CONVERSATION = [
    "Hi there",
    "I walked along the river after work today",
    "I feel so sad and tired tonight",
    "What are you, really?",
    "I got the job and I'm so happy!",
]


def offline() -> VoiceRenderer:
    return VoiceRenderer(load_settings(backend="offline", seed=0).backend_spec())


async def test_the_same_words_get_each_companions_own_answers(
    make_companion: MakeCompanion,
) -> None:
    replies: dict[str, list[str]] = {}
    banks: dict[str, set[str]] = {}
    for name in ["samantha", "alan", "edith"]:
        companion = make_companion(offline(), persona=name)
        replies[name] = [(await collect(companion, line))[0] for line in CONVERSATION]
        voice = companion.persona.offline_voice
        # Openers ("So") are too short to tell apart inside other words; the rest are sentences.
        banks[name] = {
            companion.persona.fill(p, "you")
            for bank in BANKS
            if bank != "openers"
            for p in getattr(voice, bank)
        } | {companion.persona.fill(g, "you") for g in companion.persona.greetings}
    for name, said in replies.items():
        others = set(replies) - {name}
        for index, reply in enumerate(said):
            assert reply.strip(), (name, index)
            assert all(reply != replies[other][index] for other in others), (name, reply)
            # Every reply is built from her own phrases and never from another companion's.
            assert any(phrase in reply for phrase in banks[name]), (name, reply)
            for other in others:
                assert not any(phrase in reply for phrase in banks[other]), (name, other, reply)
