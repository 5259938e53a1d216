"""A turn recalls for the line it has just stored: the line's vector is made once, and what
comes to mind is the same as with a vector made afresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from samantha.memory.embedding import local_embedder
from samantha.memory.stream import MemoryStream

pytestmark = pytest.mark.skipif(local_embedder() is None, reason="packaged model not installed")

NOW = datetime(2026, 3, 1, 12, 0).astimezone()
LINES = [
    "My sister Anna lives in Porto and works as a nurse.",
    "I went for a long walk in the rain after work.",
    "The interview is on Friday, I am nervous about it.",
    "Coffee with a friend in the garden was lovely.",
    "I miss my mother's cooking on quiet evenings.",
]


def _filled(path: Path) -> MemoryStream:
    stream = MemoryStream.open(path)
    for i, line in enumerate(LINES):
        stream.add_message("you", line, NOW - timedelta(hours=len(LINES) - i), learn=False)
    return stream


def _seen(stream: MemoryStream, query: str) -> list[tuple[int, float]]:
    return [(r.memory.id, r.score) for r in stream.recall(query, 3, now=NOW, touch=False)]


def test_the_stored_lines_vector_is_reused_and_recall_is_unchanged(tmp_path: Path) -> None:
    line = "How is my sister doing at the hospital in Porto?"
    with _filled(tmp_path / "a.db") as reused, _filled(tmp_path / "b.db") as fresh:
        reused.add_message("you", line, NOW, learn=False)
        fresh.add_message("you", line, NOW, learn=False)
        fresh._last_vector = None  # made afresh for the recall
        embedder = local_embedder()
        assert embedder is not None
        calls: list[list[str]] = []
        original = embedder.embed

        def counted(texts: list[str]):  # type: ignore[no-untyped-def]
            calls.append(texts)
            return original(texts)

        embedder.embed = counted  # type: ignore[method-assign]
        try:
            found = _seen(reused, line)
            assert calls == []
            assert found == _seen(fresh, line)
            assert calls == [[line]]
        finally:
            del embedder.embed
        assert found
