"""Backup and restore: a snapshot survives the round trip, and production snapshots are fresh in every location."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.backup_files import describe_age, exists, file_sha256, recorded_sha256, snapshot_files
from golive.probes.collections import CollectionState
from golive.probes.host.facade import HostProbe
from golive.probes.snapshots import newest_snapshot, round_trip
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
    (run_dir / "snapshot-round-trip.json").write_text(json.dumps(asdict(trip), indent=2), encoding="utf-8")
    assert not trip.problems, (
        f"snapshot round trip {trip.source} -> {trip.restored}: "
        + "; ".join(trip.problems)
        + f"; expected the restored collection equal to the source ({trip.timings}, snapshot {trip.size} bytes)"
    )


@pytest.mark.check("GL-BAK-002", severity="blocker")
def test_newest_snapshot_is_fresh(qdrant: Target, golive_config: Settings, collection: CollectionState) -> None:
    """The newest snapshot the API lists for the collection is younger than backups.max_age."""
    max_age = golive_config.backups.max_age
    newest = newest_snapshot(qdrant.call, collection.name)
    assert newest is not None, (
        f"collection {collection.name!r} has no snapshot; expected one younger than {describe_age(max_age)}"
    )
    age = newest.age_s(dt.datetime.now(dt.UTC))
    assert age <= max_age, (
        f"collection {collection.name!r}: newest snapshot {newest.name} ({newest.size} bytes) is {describe_age(age)} "
        f"old; expected younger than {describe_age(max_age)} (backups.max_age)"
    )


@pytest.fixture
def backup_locations(host: HostProbe, golive_config: Settings) -> list[str]:
    """The backup locations as the host under check sees them."""
    if not golive_config.backups.locations:
        pytest.skip("no backup locations configured (backups.locations is empty)")
    return [host.path(p) for p in golive_config.backups.locations]


@pytest.mark.check("GL-BAK-003", severity="blocker")
def test_snapshot_files_are_fresh_in_every_location(
    host: HostProbe, backup_locations: list[str], golive_config: Settings, collection: CollectionState
) -> None:
    """In every backup location on the host the newest snapshot file of the collection is younger than
    backups.max_age."""
    max_age, now = golive_config.backups.max_age, dt.datetime.now(dt.UTC)
    problems = []
    for location in backup_locations:
        files = snapshot_files(host, location, collection.name)
        if not files:
            problems.append(f"{location}/{collection.name} holds no snapshot file")
        elif files[-1].age_s(now) > max_age:
            newest = files[-1]
            problems.append(f"{newest.path} ({newest.size} bytes) is {describe_age(newest.age_s(now))} old")
    assert not problems, (
        f"host {host.settings.label}, collection {collection.name!r}: "
        + "; ".join(problems)
        + f"; expected a snapshot younger than {describe_age(max_age)} (backups.max_age) in each location"
    )


@pytest.mark.check("GL-BAK-004", severity="blocker")
def test_second_location_holds_the_newest_copy(
    host: HostProbe, backup_locations: list[str], collection: CollectionState
) -> None:
    """Every further backup location on the host holds a copy of the first location's newest snapshot (same
    name and sha256)."""
    if len(backup_locations) < 2:
        pytest.skip("only one backup location is configured (backups.locations); nothing to compare")
    first = snapshot_files(host, backup_locations[0], collection.name)
    if not first:
        pytest.skip(f"{backup_locations[0]}/{collection.name} holds no snapshot file (reported by GL-BAK-003)")
    newest = first[-1]
    wanted = recorded_sha256(host, newest.path)
    problems = []
    for location in backup_locations[1:]:
        copy = f"{location}/{collection.name}/{newest.name}"
        if not exists(host, copy):
            problems.append(f"{copy} is missing")
        elif (seen := file_sha256(host, copy)) != wanted:
            problems.append(f"{copy} has sha256 {seen}")
    assert not problems, (
        f"host {host.settings.label}, collection {collection.name!r}: "
        + "; ".join(problems)
        + f"; expected a copy of {newest.path} (sha256 {wanted}) in each further location"
    )
