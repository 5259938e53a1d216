"""Wiping her memory takes the vector index kept beside the database with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from samantha.config import Paths
from samantha.store import archive


def test_wipe_deletes_the_kept_vector_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMANTHA_HOME", str(tmp_path))
    paths = Paths.from_env()
    paths.db_path.parent.mkdir(parents=True, exist_ok=True)
    paths.db_path.write_bytes(b"")
    kept = paths.db_path.with_name(f"{paths.db_path.name}-vectors-abc-def.idx")
    kept.write_bytes(b"SAMVEC01")
    plan = archive.plan_wipe(paths)
    assert kept in plan.doomed
    assert plan.doomed[-1] == paths.db_path
    archive.wipe(plan)
    assert not kept.exists()


def test_wipe_deletes_a_half_written_vector_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``VectorIndex.save`` writes ``<file>.<pid>.tmp`` first: a crash (or a full disk it could
    not clean up after) leaves vectors of her memories there, which a wipe must not keep."""
    monkeypatch.setenv("SAMANTHA_HOME", str(tmp_path))
    paths = Paths.from_env()
    paths.db_path.parent.mkdir(parents=True, exist_ok=True)
    paths.db_path.write_bytes(b"")
    half = paths.db_path.with_name(f"{paths.db_path.name}-vectors-abc-def.idx.4242.tmp")
    half.write_bytes(b"SAMVEC01")
    archive.wipe(archive.plan_wipe(paths))
    assert not half.exists()
