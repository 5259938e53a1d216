"""Why her voice failed or cannot be had, in the one sentence a front end shows."""

from __future__ import annotations

from dataclasses import dataclass

from samantha.errors import SamanthaError


class VoiceError(SamanthaError):
    """Speaking or listening failed this time (a server down, a device gone); chat carries on."""


class VoiceUnavailable(VoiceError):
    """Voice cannot be had at all here: no extra installed, no device, no engine."""


@dataclass(frozen=True)
class Unavailable:
    """What the chooser returns instead of an engine, device or endpoint: the reason why not."""

    reason: str

    def error(self) -> VoiceUnavailable:
        return VoiceUnavailable(self.reason)
