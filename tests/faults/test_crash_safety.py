"""SIGKILL at 50 seeded random moments of `samantha say`, and writers racing on one database:
the database stays sound, nothing owed to the user is lost, and the next start just works."""

from __future__ import annotations

from pathlib import Path

from tests.faults.crashes import concurrent_writers, describe, kill_campaign
from tests.faults.zygote import Zygote

KILLS = 50


def test_sigkill_at_random_moments_loses_nothing(zygote: Zygote, tmp_path: Path) -> None:
    figures = kill_campaign(zygote, tmp_path, kills=KILLS, lanes=4)

    print("\n".join(describe(figures)))
    assert figures.problems == []
    assert figures.tried == KILLS
    assert figures.survived == KILLS
    assert figures.lost == 0
    # The kills must mostly land while samantha runs, or the test proves little.
    assert figures.killed >= KILLS * 0.7, describe(figures)
    assert figures.owed_messages > 0


def test_writers_racing_on_one_database_never_see_it_locked(zygote: Zygote, tmp_path: Path) -> None:
    figures = concurrent_writers(zygote, tmp_path / "home", rounds=4, writers=3)

    assert figures.problems == []
    assert figures.writers == 12
    assert figures.writer_errors == 0
    assert figures.lost == 0
