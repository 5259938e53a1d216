"""Messages already in the prompt do not take the places of memories recall could offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from samantha.domain.memory import MemoryKind
from samantha.memory.recall import RecallSettings
from samantha.memory.stream import MemorySettings, MemoryStream
from samantha.store import Store

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_recent_episodes_do_not_crowd_out_an_older_fact(tmp_path: Path) -> None:
    settings = MemorySettings(recall=RecallSettings(candidates=3))
    stream = MemoryStream(Store.open(tmp_path / "m.db"), "samantha", settings)
    try:
        fact = stream.store.run_sync(
            lambda s: s.memories.add("samantha", MemoryKind.PREFERENCE, "I love coffee.", 6, START),
            write=True,
        )
        # A long talk about coffee, all of it still in the prompt.
        recent = [
            stream.add_message(
                "you", f"Coffee again, cup {i} of coffee", START + timedelta(hours=1, minutes=i)
            ).message.id
            for i in range(6)
        ]
        found = stream.recall(
            "coffee coffee", 3, now=START + timedelta(hours=2), exclude_sources=recent
        )
        assert [r.memory.id for r in found] == [fact.id]
        # Without the prompt to leave out, the episodes are what comes to mind first.
        everything = stream.recall("coffee coffee", 3, now=START + timedelta(hours=2))
        assert fact.id not in [r.memory.id for r in everything]
    finally:
        stream.store.close()
