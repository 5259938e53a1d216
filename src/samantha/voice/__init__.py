"""The offline voice: her persona rendered without a model (see ``offline``)."""

from samantha.voice.offline import VoiceRenderer
from samantha.voice.scene import Scene

__all__ = ["Scene", "VoiceRenderer"]
