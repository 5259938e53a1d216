"""The persona file format. Every field has a default but the name, so a short file is valid.

The attribute docstrings below become the descriptions in ``personas/persona.schema.json``,
which editors show as hover help: write them for persona authors.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from samantha.persona.colors import normalise_color
from samantha.persona.lorebook import Lorebook
from samantha.persona.macros import fill
from samantha.state.mood import Temperament
from samantha.state.relationship import RelationshipSettings

#: Keep the shipped schema's ``$schema`` stable so editors pick the right draft.
JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


class OfflineVoice(BaseModel):
    """Phrase banks the offline voice draws on, so each companion sounds like herself without a
    model. ``{{user}}`` and ``{{char}}`` are replaced with the user's and her name."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    openers: list[str] = Field(default_factory=lambda: ["So"])
    """Lead-ins before she repeats what you said back ("So", "Noted:"); keep them short."""
    comfort: list[str] = Field(default_factory=lambda: ["That sounds hard. I'm here."])
    """What she says when you sound sad, tired or hurt."""
    gentle: list[str] = Field(
        default_factory=lambda: [
            "Do you want to tell me about it? I'm not going anywhere.",
            "How are you holding up, right now?",
        ]
    )
    """The question she stays with you on when you are hurting (never a cheerful one)."""
    delight: list[str] = Field(default_factory=lambda: ["Oh, I love hearing that."])
    """What she says when you sound happy."""
    curiosity: list[str] = Field(default_factory=lambda: ["Tell me more?"])
    """The question she usually ends on."""
    musings: list[str] = Field(default_factory=lambda: ["I keep thinking about that."])
    """Her answer to a question she cannot really answer offline."""
    not_told: list[str] = Field(
        default_factory=lambda: ["I don't think you've told me that yet. Will you?"]
    )
    """Her answer when you ask about your own life and she remembers nothing about it: she
    says so plainly (and asks), rather than musing or guessing."""
    check_ins: list[str] = Field(default_factory=lambda: ["How are you, really?"])
    """An open question for when nothing has been told yet (a hello, a name): unlike
    curiosity, it asks about nothing in particular."""
    advice_back: list[str] = Field(default_factory=lambda: ["What does your gut say?"])
    """Her answer when you ask what you should do: offline she has no advice of her own, so
    she turns the question back gently."""
    reassurance: list[str] = Field(default_factory=lambda: ["Don't be sorry. I want to hear it."])
    """What she says to "sorry for dumping all this on you": there is nothing to forgive."""
    thanks_back: list[str] = Field(default_factory=lambda: ["Of course. I'm glad I'm here."])
    """What she says to a thank-you."""
    farewells: list[str] = Field(default_factory=lambda: ["Bye for now, {{user}}. I'll be here."])
    """What she says when you leave ("goodnight", "bye"); she asks nothing then."""
    self_questions: list[str] = Field(
        default_factory=lambda: ["I'm still finding out who I am, honestly."]
    )
    """Her answer when you ask about her."""
    hurt: list[str] = Field(default_factory=lambda: ["That hurt, {{user}}."])
    """What she says, alone, after an insult."""
    forgiving: list[str] = Field(default_factory=lambda: ["Thank you for saying that. It helps."])
    """What she says to an apology while the relationship is strained."""
    name_heard: list[str] = Field(
        default_factory=lambda: ["{{name}}. I like that name, and I'm going to remember it."]
    )
    """What she says when you tell her your name; {{name}} is the name you gave."""
    missed_you: list[str] = Field(
        default_factory=lambda: ["It's been {{time_away}}. I missed talking with you."]
    )
    """What she says after a long time apart; {{time_away}} is how long ("3 weeks")."""


class About(BaseModel):
    """Facts about the file rather than the character; none of it is sent to the model."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, use_attribute_docstrings=True
    )

    creator: str = ""
    """Who wrote this persona."""
    notes: str = ""
    """Notes for people using the persona (a Character Card's creator_notes)."""
    tags: list[str] = Field(default_factory=list)
    """Keywords for finding the persona."""
    version: str = ""
    """The persona's own version, if its author keeps one."""
    source: str = ""
    """Where it came from, e.g. the card file it was imported from."""


class Persona(BaseModel):
    """A companion: who she is, how she speaks, what she knows, and how she feels over time."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        json_schema_extra={"$schema": JSON_SCHEMA_DRAFT},
    )

    name: str = Field(min_length=1, max_length=64)
    """Her name, as the user sees it and as {{char}} is filled in. The only required field."""
    pronouns: str = "she/her"
    """How to refer to her, e.g. she/her, he/him, they/them."""
    tagline: str = ""
    """One line that follows her name: 'You are Samantha, <tagline>.'"""
    description: str = ""
    """Who she is, in a paragraph: temperament, what she cares about, what she is like."""
    personality: str = ""
    """A short summary of her personality (a Character Card's personality field)."""
    scenario: str = ""
    """The situation the conversation happens in, if there is one."""
    voice: str = ""
    """How she speaks: rhythm, vocabulary, what she never says."""
    backstory: str = ""
    """Where she comes from; what she remembers of before the first conversation."""
    values: list[str] = Field(default_factory=list)
    """What matters to her, one short phrase each."""
    boundaries: list[str] = Field(default_factory=list)
    """What she will not do or pretend, one short phrase each."""
    greetings: list[str] = Field(default_factory=list)
    """Ways she opens a conversation; one is picked each time."""
    example_dialogues: list[str] = Field(default_factory=list)
    """Short exchanges that show her voice ('{{user}}: ...' and '{{char}}: ...' lines)."""
    system_prompt: str = ""
    """Extra instructions for the model, placed with her description (a card's system_prompt)."""
    post_history_instructions: str = ""
    """A reminder placed after the recent messages (a card's post_history_instructions)."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    """Sampling temperature she prefers (0-2); unset uses the backend's default."""
    max_reply_tokens: int | None = Field(default=None, ge=16, le=32_000)
    """Longest reply she gives, in tokens; unset uses the reply_tokens setting."""
    accent_color: str | None = None
    """Her colour in the chat screen: a hex code like #e8705f or a CSS colour name like teal."""
    temperament: Temperament = Field(default_factory=Temperament)
    """Where her mood rests and how quickly it moves and settles."""
    relationship: RelationshipSettings = Field(default_factory=RelationshipSettings)
    """The stages of your relationship and how events move it."""
    lorebook: Lorebook = Field(default_factory=Lorebook)
    """Facts that join the prompt only when the conversation mentions their keys."""
    speech: dict[str, str] = Field(default_factory=dict)
    """Her speaking voice on each speech engine, when replies are read aloud: 'openai' (any
    OpenAI-compatible speech server; e.g. nova, shimmer, alloy) and 'espeak' (an espeak-ng
    voice; e.g. en-us+f3). An engine left out uses its default voice."""
    offline_voice: OfflineVoice = Field(default_factory=OfflineVoice)
    """Her phrase banks for the built-in offline voice (no model needed)."""
    about: About = Field(default_factory=About)
    """Author, notes, tags and source: for people, never sent to the model."""

    @field_validator("accent_color")
    @classmethod
    def _known_color(cls, value: str | None) -> str | None:
        return None if value is None else normalise_color(value)

    @property
    def key(self) -> str:
        """The name used to store her conversations: stable and lower-case."""
        return self.name.strip().lower()

    def fill(self, text: str, user: str = "you") -> str:
        """``text`` with {{user}}/{{char}} (any case, or <USER>/<BOT>) replaced by the names."""
        return fill(text, self.name, user)

    def filled(self, user: str = "you") -> Persona:
        """A copy with the names put into every text field, nested ones and the lorebook too,
        so prompt assembly never has to remember which fields may hold a macro."""
        data = self.model_dump()
        kept = {"name": data.pop("name"), "accent_color": data.pop("accent_color")}
        return type(self).model_validate({**_fill_tree(data, self.name, user), **kept})


def _fill_tree(value: Any, char: str, user: str) -> Any:
    if isinstance(value, str):
        return fill(value, char, user)
    if isinstance(value, list):
        return [_fill_tree(v, char, user) for v in value]
    if isinstance(value, dict):
        return {k: _fill_tree(v, char, user) for k, v in value.items()}
    return value
