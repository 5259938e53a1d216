"""A backlog of memories without vectors is embedded batch by batch, every one of them once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from samantha.memory.stream import MemoryStream

WHEN = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_the_whole_backlog_is_embedded_in_small_batches(tmp_path: Path) -> None:
    with MemoryStream.open(tmp_path / "chat.db") as stream:
        stream.local_vectors = False
        for n in range(7):
            stream.remember(f"something worth keeping, number {n}", at=WHEN)
        stream.local_vectors = True
        local = stream._local()
        assert local is not None
        assert len(stream.missing_vectors(local.name, 100)) == 7
        assert stream.embed_backlog(batch=3) == 7
        assert stream.missing_vectors(local.name, 100) == []
        assert stream.embed_backlog(batch=3) == 0
