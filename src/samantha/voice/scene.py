"""What the engine tells the offline voice for one reply: the persona's phrase banks, her
mood, what she recalled and the time. The voice renders this; it never sees the engine."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Scene(BaseModel):
    """Everything the offline voice needs to sound like *her* for one line.

    The engine fills it from the persona and the companion's state, so a chat with no model
    still answers in character and with what she knows.
    """

    #: The message she answers (empty for an opening line).
    text: str = ""
    #: Her last few replies, so she does not repeat herself.
    said: list[str] = Field(default_factory=list)
    #: Where in the conversation this line falls; with the seed it makes replies repeatable.
    position: int = 0
    character: str = "Samantha"
    user_name: str | None = None
    openers: list[str] = Field(default_factory=list)
    comfort: list[str] = Field(default_factory=list)
    gentle: list[str] = Field(default_factory=list)
    delight: list[str] = Field(default_factory=list)
    curiosity: list[str] = Field(default_factory=list)
    musings: list[str] = Field(default_factory=list)
    not_told: list[str] = Field(default_factory=list)
    self_questions: list[str] = Field(default_factory=list)
    check_ins: list[str] = Field(default_factory=list)
    advice_back: list[str] = Field(default_factory=list)
    thanks_back: list[str] = Field(default_factory=list)
    reassurance: list[str] = Field(default_factory=list)
    farewells: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    hurt: list[str] = Field(default_factory=list)
    forgiving: list[str] = Field(default_factory=list)
    name_heard: list[str] = Field(default_factory=list)
    missed_you: list[str] = Field(default_factory=list)
    #: They have never spoken before: her greeting introduces her.
    first_meeting: bool = False
    #: The relationship was strained when this message arrived (an apology may have eased it).
    was_strained: bool = False
    mood: str | None = None
    #: How strongly she feels it, 0..1: a strong low mood makes her brief.
    mood_intensity: float = 0.0
    #: The relationship is strained: she is cooler until amends are made.
    strained: bool = False
    #: What the user's message did (insult, apology, affection ...), from the appraisal.
    events: list[str] = Field(default_factory=list)
    #: Things she remembers that bear on this message, in plain words.
    memories: list[str] = Field(default_factory=list)
    #: Plans of theirs that were due in the last few days ("My interview is on Friday.").
    past_plans: list[str] = Field(default_factory=list)
    #: Plans coming up in the next few days.
    upcoming_plans: list[str] = Field(default_factory=list)
    #: e.g. "three days", when it has been a while since the last talk.
    time_away: str | None = None
    #: She speaks first: the session's greeting, not a reply.
    opening: bool = False
    #: How pleasant or painful the message's words are, -1..1 (a sentiment score of the text).
    valence: float = 0.0
    #: The push the message gave her mood's pleasure, -1..1 (the engine's appraisal).
    pleasure: float = 0.0
    #: Set when the message sounds like a crisis: the way to reach help she must name.
    care: str | None = None
    #: Another try at the same line (regenerate): a different reply, as repeatable.
    variant: int = 0
