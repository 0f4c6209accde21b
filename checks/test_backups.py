"""Backup and restore: a snapshot survives the round trip, and production snapshots are fresh in every location."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.snapshots import round_trip
from golive.target import Target

pytestmark = pytest.mark.golive


@pytest.mark.destructive
@pytest.mark.check("GL-BAK-001", severity="blocker")
def test_snapshot_round_trip_restores_every_point(qdrant: Target, golive_config: Settings, run_dir: Path) -> None:
    """A snapshot of a probe collection downloads with the reported sha256 and restores every point, payload and
    vector, with the same search results."""
    if not golive_config.allow.snapshot_restore:
        pytest.skip("snapshot restore is not allowed for this environment (allow.snapshot_restore: false)")
    if not golive_config.allow.probe_writes:
        pytest.skip("the round trip needs probe collections (allow.probe_writes: false)")
    trip = round_trip(qdrant, run_dir.name, timeout=golive_config.backups.restore_timeout)
    assert not trip.problems, (
        f"snapshot round trip {trip.source} -> {trip.restored}: "
        + "; ".join(trip.problems)
        + f"; expected the restored collection equal to the source ({trip.timings}, snapshot {trip.size} bytes)"
    )
    print(f"round trip ok: {trip.points} points, snapshot {trip.size} bytes, {trip.timings}")
