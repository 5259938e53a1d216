"""The persona file format. Every field has a default but the name, so a short file is valid."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from samantha.mood import Temperament
from samantha.relationship import RelationshipSettings


class OfflineVoice(BaseModel):
    """Phrase banks the offline voice draws on, so each companion sounds like herself without a
    model. ``{{user}}`` and ``{{char}}`` are replaced with the user's and her name."""

    model_config = ConfigDict(extra="forbid")

    openers: list[str] = Field(default_factory=lambda: ["So"])
    comfort: list[str] = Field(default_factory=lambda: ["That sounds hard. I'm here."])
    delight: list[str] = Field(default_factory=lambda: ["Oh, I love hearing that."])
    curiosity: list[str] = Field(default_factory=lambda: ["Tell me more?"])
    musings: list[str] = Field(default_factory=lambda: ["I keep thinking about that."])
    self_questions: list[str] = Field(
        default_factory=lambda: ["I'm still finding out who I am, honestly."]
    )
    hurt: list[str] = Field(default_factory=lambda: ["That hurt, {{user}}."])
    forgiving: list[str] = Field(default_factory=lambda: ["Thank you for saying that. It helps."])


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    pronouns: str = "she/her"
    tagline: str = ""
    description: str = ""
    voice: str = ""
    """How she speaks: rhythm, vocabulary, what she never says."""
    backstory: str = ""
    values: list[str] = Field(default_factory=list)
    boundaries: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    example_dialogues: list[str] = Field(default_factory=list)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_reply_tokens: int | None = Field(default=None, ge=16, le=32_000)
    accent_color: str | None = None
    temperament: Temperament = Field(default_factory=Temperament)
    relationship: RelationshipSettings = Field(default_factory=RelationshipSettings)
    offline_voice: OfflineVoice = Field(default_factory=OfflineVoice)

    @property
    def key(self) -> str:
        """The name used to store her conversations: stable and lower-case."""
        return self.name.strip().lower()

    def fill(self, text: str, user: str = "you") -> str:
        return text.replace("{{char}}", self.name).replace("{{user}}", user)
