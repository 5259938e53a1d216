"""Character Cards (V1, V2 ``chara_card_v2``, V3 ``chara_card_v3``) to personas and back.

Cards map field by field; what a card cannot say (voice, temperament, offline phrase banks)
travels in ``data.extensions.samantha`` on export, so a persona survives a round trip through
a card, and other apps keep it untouched as the spec asks of unknown extensions.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from samantha.errors import PersonaError
from samantha.persona.cardfile import read_card_json
from samantha.persona.explain import dotted
from samantha.persona.lorebook import Lorebook, LorebookEntry, SelectiveLogic
from samantha.persona.macros import one_line
from samantha.persona.model import Persona

CardVersion = Literal["v2", "v3"]
SPECS = {"chara_card_v2": "v2", "chara_card_v3": "v3"}
#: V1 cards have no spec: these flat fields are how they are recognised.
_V1_FIELDS = {"description", "personality", "scenario", "first_mes", "mes_example"}
#: SillyTavern's numbers for the secondary-key logic, in its extensions.
_LOGIC: dict[int, SelectiveLogic] = {0: "any", 1: "not_all", 2: "not_any", 3: "all"}
_LOGIC_CODES = {name: code for code, name in _LOGIC.items()}
#: Persona fields with no place in a card: exported under extensions.samantha.
EXTENSION_FIELDS = frozenset(
    {
        "pronouns",
        "tagline",
        "voice",
        "backstory",
        "values",
        "boundaries",
        "temperature",
        "max_reply_tokens",
        "accent_color",
        "speech",
        "temperament",
        "relationship",
        "offline_voice",
    }
)
_START = re.compile(r"<start>", re.IGNORECASE)
#: A key written the way SillyTavern marks a regular expression: /pattern/flags.
_REGEX_KEY = re.compile(r"^\s*/.+/[a-z]*\s*$", re.DOTALL)
#: Another front end's template language: {{#if}}, {{/if}}, {{setvar::a::b}}, {{random::...}},
#: {{// comment}} ... Only {{user}} and {{char}} mean anything here.
_FOREIGN_MACRO = re.compile(r"\{\{(?!\s*(?:user|char)\s*\}\})[^{}]*\}\}", re.IGNORECASE)


class _Lenient(BaseModel):
    """Cards in the wild use null for 'empty' and numbers where strings belong; accept both."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


def _number(value: float | None, default: int) -> int:
    """Card numbers may be floats, huge or NaN; the lorebook wants a sane int."""
    if value is None or not math.isfinite(value):
        return default
    return int(max(-1_000_000, min(1_000_000, value)))


class CardEntry(_Lenient):
    keys: list[str] = Field(default_factory=list)
    content: str = ""
    extensions: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    insertion_order: float = 100
    case_sensitive: bool | None = None
    name: str = ""
    priority: float | None = None
    comment: str = ""
    selective: bool = False
    secondary_keys: list[str] = Field(default_factory=list)
    constant: bool = False
    position: str = "after_char"
    use_regex: bool = False

    @field_validator("keys", "secondary_keys", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # Some editors store keys as one comma-separated string.
        return [k for k in value.split(",")] if isinstance(value, str) else value

    @property
    def regex_keys(self) -> bool:
        """Keys meant as regular expressions: flagged so, or written as /pattern/flags."""
        keys = [*self.keys, *self.secondary_keys]
        return (self.use_regex and any(k.strip() for k in keys)) or any(
            _REGEX_KEY.match(k) for k in keys
        )

    @property
    def switched_off(self) -> bool:
        """Regular-expression keys would never match as text: the entry is kept, switched off,
        so the author can rewrite its keys. A constant entry needs no keys and stays on."""
        return self.enabled and self.regex_keys and not self.constant

    def entry(self) -> LorebookEntry:
        ext = self.extensions
        code = ext.get("selectiveLogic", 0)
        whole = ext.get("match_whole_words")
        case = self.case_sensitive if self.case_sensitive is not None else ext.get("case_sensitive")
        return LorebookEntry(
            keys=self.keys,
            content=self.content,
            secondary_keys=self.secondary_keys if self.selective else [],
            selective_logic=_LOGIC.get(code, "any") if isinstance(code, int) else "any",
            case_sensitive=case is True,
            whole_words=whole is not False,
            constant=self.constant,
            enabled=self.enabled and not self.switched_off,
            priority=_number(self.priority, 0),
            insertion_order=_number(self.insertion_order, 100),
            position="before_char" if self.position == "before_char" else "after_char",
            name=self.name or self.comment,
        )


class CardBook(_Lenient):
    name: str = ""
    scan_depth: float | None = None
    token_budget: float | None = None
    recursive_scanning: bool = False
    entries: list[CardEntry] = Field(default_factory=list)

    def lorebook(self) -> Lorebook:
        defaults = Lorebook()
        return Lorebook(
            entries=[e.entry() for e in self.entries],
            scan_depth=max(0, min(1000, _number(self.scan_depth, defaults.scan_depth))),
            token_budget=max(0, _number(self.token_budget, defaults.token_budget)),
            recursive=self.recursive_scanning,
        )


class CardData(_Lenient):
    name: str = ""
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    creator_notes: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    alternate_greetings: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    creator: str = ""
    character_version: str = ""
    character_book: CardBook | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)


def load_card(path: Path, name: str | None = None) -> Persona:
    """A persona from a card file (JSON, PNG or CHARX); ``name`` overrides the card's."""
    return persona_from_card(read_card_json(path), str(path), name)


def load_card_noting(path: Path, name: str | None = None) -> tuple[Persona, list[str]]:
    """As ``load_card``, with a sentence for each thing the import changed on the way
    (greetings in another app's template language, lorebook entries switched off)."""
    notes: list[str] = []
    return persona_from_card(read_card_json(path), str(path), name, notes), notes


def persona_from_card(
    card: dict[str, Any], source: str, name: str | None = None, notes: list[str] | None = None
) -> Persona:
    notes = [] if notes is None else notes
    raw, spec = _card_data(card, source)
    try:
        data = CardData.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = dotted(tuple(err["loc"])) or "data"
        raise PersonaError(
            f"{source}: the card's '{field}' cannot be used ({err['msg'][:1].lower()}"
            f"{err['msg'][1:]}): fix it in the app that made the card and export it again."
        ) from exc
    chosen = (name if name is not None else data.name).strip()
    if not chosen:
        raise PersonaError(f"{source}: the card has no name: give one with --name.")
    if len(chosen) > 64:
        raise PersonaError(
            f"{source}: the card's name is {len(chosen)} characters long (at most 64): "
            "give a shorter one with --name."
        )
    greetings, left_out = _greetings(data, notes)
    fields: dict[str, Any] = {
        "name": chosen,
        "description": data.description,
        "personality": data.personality,
        "scenario": data.scenario,
        "system_prompt": data.system_prompt,
        "post_history_instructions": data.post_history_instructions,
        "greetings": greetings,
        "example_dialogues": [d.strip() for d in _START.split(data.mes_example) if d.strip()],
        "lorebook": _lorebook(data.character_book, notes),
        "about": {
            "creator": data.creator,
            "notes": "\n\n".join(
                [data.creator_notes, *(f"Greeting left out at import: {g}" for g in left_out)]
            ).strip(),
            "tags": data.tags,
            "version": data.character_version,
            "source": f"{Path(source).name} ({spec})",
        },
    }
    ours = data.extensions.get("samantha")
    if isinstance(ours, dict):
        fields.update({k: v for k, v in ours.items() if k in EXTENSION_FIELDS})
    else:
        fields["pronouns"] = ""  # other apps' cards do not say; better blank than a guess
    try:
        return Persona.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PersonaError(
            f"{source}: the card's '{dotted(tuple(err['loc']))}' cannot be used "
            f"({err['msg']}): fix it in the card or in extensions.samantha."
        ) from exc


def _greetings(data: CardData, notes: list[str]) -> tuple[list[str], list[str]]:
    """The card's greetings to use, and those written in another app's template language:
    shown as they are, ``{{#if ...}}`` and ``{{setvar::...}}`` would reach the user raw, so
    they are kept in the persona's notes for the author to rewrite instead."""
    kept: list[str] = []
    left_out: list[str] = []
    for greeting in [data.first_mes, *data.alternate_greetings]:
        if greeting.strip():
            (left_out if _FOREIGN_MACRO.search(greeting) else kept).append(greeting)
    if left_out:
        marks = sorted(
            {m.group().split("::")[0][:20] for g in left_out for m in _FOREIGN_MACRO.finditer(g)}
        )
        count = len(left_out)
        notes.append(
            f"{count} greeting{'' if count == 1 else 's'} written in another app's template "
            f"language ({', '.join(one_line(m) for m in marks[:3])}) "
            f"{'was' if count == 1 else 'were'} left out and kept under about.notes: rewrite "
            f"{'it' if count == 1 else 'them'} as plain text to use {'it' if count == 1 else 'them'}."
        )
    return kept, left_out


def _lorebook(book: CardBook | None, notes: list[str]) -> Lorebook:
    if book is None:
        return Lorebook()
    off = [
        e.name or e.comment or (e.keys[0] if e.keys else "?")
        for e in book.entries
        if e.switched_off
    ]
    if off:
        shown = ", ".join(f"'{one_line(name)}'" for name in off[:3]) + (
            " ..." if len(off) > 3 else ""
        )
        notes.append(
            f"{len(off)} lorebook entr{'y' if len(off) == 1 else 'ies'} with regular-expression "
            f"keys ({shown}) {'was' if len(off) == 1 else 'were'} imported switched off, since "
            "keys here are plain text: rewrite the keys as words and set enabled: true."
        )
    return book.lorebook()


def _card_data(card: dict[str, Any], source: str) -> tuple[Any, str]:
    """The card's data object and a label for its version; V1 cards are their own data."""
    spec = card.get("spec")
    if spec in SPECS:
        data = card.get("data")
        if not isinstance(data, dict):
            raise PersonaError(
                f"{source}: the {spec} card has no 'data' object: export the card again."
            )
        return data, str(spec)
    if spec is None and isinstance(card.get("name"), str) and _V1_FIELDS & card.keys():
        return card, "chara_card_v1"
    if isinstance(spec, str):
        raise PersonaError(
            f"{source}: the card's spec is '{one_line(spec)}', which samantha cannot read: "
            "export it as chara_card_v2 or chara_card_v3."
        )
    raise PersonaError(
        f"{source} is not a character card: it has no 'spec' and no card fields "
        "(name, description, first_mes): check that it is the right file."
    )


def persona_to_card(persona: Persona, version: CardVersion = "v2") -> dict[str, Any]:
    """A card other apps can read; the persona's own extras ride along in extensions."""
    greetings = persona.greetings
    data: dict[str, Any] = {
        "name": persona.name,
        "description": persona.description,
        "personality": persona.personality,
        "scenario": persona.scenario,
        "first_mes": greetings[0] if greetings else "",
        "mes_example": "\n".join(f"<START>\n{d}" for d in persona.example_dialogues),
        "creator_notes": persona.about.notes,
        "system_prompt": persona.system_prompt,
        "post_history_instructions": persona.post_history_instructions,
        "alternate_greetings": greetings[1:],
        "tags": persona.about.tags,
        "creator": persona.about.creator,
        "character_version": persona.about.version,
        "extensions": {
            "samantha": persona.model_dump(
                mode="json", include=set(EXTENSION_FIELDS), exclude_defaults=True
            )
        },
    }
    if persona.lorebook != Lorebook():
        data["character_book"] = _book_to_card(persona.lorebook, version)
    if version == "v3":
        data["group_only_greetings"] = []
        return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}


def _book_to_card(book: Lorebook, version: CardVersion) -> dict[str, Any]:
    entries = []
    for index, entry in enumerate(book.entries):
        card_entry: dict[str, Any] = {
            "id": index,
            "keys": entry.keys,
            "secondary_keys": entry.secondary_keys,
            "selective": bool(entry.secondary_keys),
            "content": entry.content,
            "enabled": entry.enabled,
            "constant": entry.constant,
            "case_sensitive": entry.case_sensitive,
            "insertion_order": entry.insertion_order,
            "priority": entry.priority,
            "position": entry.position,
            "name": entry.name,
            "comment": entry.name,
            "extensions": {
                "selectiveLogic": _LOGIC_CODES[entry.selective_logic],
                "match_whole_words": entry.whole_words,
            },
        }
        if version == "v3":
            card_entry["use_regex"] = False
        entries.append(card_entry)
    return {
        "scan_depth": book.scan_depth,
        "token_budget": book.token_budget,
        "recursive_scanning": book.recursive,
        "extensions": {},
        "entries": entries,
    }
