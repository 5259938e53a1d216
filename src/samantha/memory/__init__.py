"""Memory: a stream of everything said, facts drawn from it, recall, reflection and summaries.

``open_memory(path)`` gives the public API (``MemoryBank``); see README, "Use the memory from
Python".
"""

from samantha.domain.memory import CoreMemory, Memory, MemoryKind, NewFact, Recalled
from samantha.memory.bank import Imported, Line, MemoryBank, open_memory

__all__ = [
    "CoreMemory",
    "Imported",
    "Line",
    "Memory",
    "MemoryBank",
    "MemoryKind",
    "NewFact",
    "Recalled",
    "open_memory",
]
