"""Her mood and the relationship together, and their conversion to and from stored snapshots."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from samantha.domain.conversation import StateSnapshot
from samantha.state.mood import PAD, Mood, Temperament, resting
from samantha.state.relationship import Relationship, RelationshipSettings, settle


class InnerState(BaseModel):
    model_config = ConfigDict(frozen=True)

    mood: Mood
    relationship: Relationship
    #: The stage's name under the persona's settings (stored so history reads without them).
    stage: str

    @classmethod
    def first_meeting(
        cls, temperament: Temperament, settings: RelationshipSettings, at: datetime
    ) -> InnerState:
        relationship = Relationship(at=at)
        return cls(
            mood=resting(temperament, at),
            relationship=relationship,
            stage=relationship.stage(settings),
        )

    @classmethod
    def of(
        cls, mood: Mood, relationship: Relationship, settings: RelationshipSettings
    ) -> InnerState:
        return cls(mood=mood, relationship=relationship, stage=relationship.stage(settings))

    def settled(
        self, temperament: Temperament, settings: RelationshipSettings, now: datetime
    ) -> InnerState:
        """As she is at ``now``: mood drifted toward baseline, tension eased by time."""
        return InnerState.of(
            self.mood.settled(temperament, now), settle(self.relationship, settings, now), settings
        )

    def snapshot(self, persona: str, at: datetime, message_id: int | None) -> StateSnapshot:
        r = self.relationship
        return StateSnapshot(
            persona=persona,
            at=at,
            message_id=message_id,
            pleasure=self.mood.pad.pleasure,
            arousal=self.mood.pad.arousal,
            dominance=self.mood.pad.dominance,
            mood_at=self.mood.at,
            closeness=r.closeness,
            trust=r.trust,
            tension=r.tension,
            stage_index=r.stage_index,
            stage=self.stage,
            strained=r.strained,
            relationship_at=r.at,
            last_contact=r.last_contact,
        )

    @classmethod
    def from_snapshot(cls, snap: StateSnapshot, settings: RelationshipSettings) -> InnerState:
        mood = Mood(pad=PAD.clamped(snap.pleasure, snap.arousal, snap.dominance), at=snap.mood_at)
        relationship = Relationship(
            closeness=snap.closeness,
            trust=snap.trust,
            tension=snap.tension,
            stage_index=snap.stage_index,
            strained=snap.strained,
            at=snap.relationship_at,
            last_contact=snap.last_contact,
        )
        return cls.of(mood, relationship, settings)
