"""Memory: a stream of everything said, facts drawn from it, recall, reflection and summaries."""

from samantha.memory.model import CoreMemory, Memory, MemoryKind, NewFact, Recalled

__all__ = ["CoreMemory", "Memory", "MemoryKind", "NewFact", "Recalled"]
