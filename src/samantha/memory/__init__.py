"""Memory: a stream of everything said, facts drawn from it, recall, reflection and summaries."""

from samantha.domain.memory import CoreMemory, Memory, MemoryKind, NewFact, Recalled

__all__ = ["CoreMemory", "Memory", "MemoryKind", "NewFact", "Recalled"]
