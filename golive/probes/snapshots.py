"""Snapshots: the round trip through a probe collection, and what the API says about production snapshots.

``round_trip(target, run_id)`` -> ``RoundTrip``: seed ``golive_probe_<run-id>_snapsrc`` with known points,
create a snapshot, download it, compare its sha256 with the checksum the server reports, upload it into
``golive_probe_<run-id>_snapdst`` and compare everything; both collections and the snapshot are always removed.
The probe collections have a named dense vector and a sparse one (a hybrid-search shape), so the round trip
covers both kinds of vector.
``newest_snapshot(target.call, "documents")`` -> ``SnapshotInfo | None`` (read-only).
The ``backups:`` section (``Backups``) lives here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import Field

from golive.errors import QdrantCallError
from golive.fields import PositiveDuration, Section
from golive.probes.integrity import (
    PROBE_DIM,
    call_ok,
    differences,
    known_points,
    read_all,
    top_hit,
    upsert_body,
)
from golive.probes.probe_collections import (
    HYBRID_DENSE,
    HYBRID_SPARSE,
    Call,
    create_hybrid_probe_collection,
    delete_probe_collection,
    delete_probe_snapshots,
    probe_name,
)
from golive.protocol import envelope_result
from golive.target import Target


class Backups(Section):
    """``backups:``: where the deployment keeps snapshots and how old the newest may be.

    ``locations[0]`` is the first location (Qdrant's snapshots path, ``<collection>/<name>.snapshot``);
    every further location must hold a copy of its newest snapshot per collection (same name and sha256).
    """

    locations: list[Path] = Field(default_factory=list)
    max_age: PositiveDuration = 26 * 3600.0
    pairing: Literal["same_name"] = Field("same_name", description="how a copy in a second location is matched")
    restore_timeout: PositiveDuration = Field(60.0, description="bound on each snapshot create / download / upload")


@dataclass(frozen=True)
class SnapshotInfo:
    collection: str
    name: str
    created: dt.datetime
    size: int
    checksum: str | None

    def age_s(self, now: dt.datetime) -> float:
        return (now - self.created).total_seconds()


def _parse_time(text: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def list_snapshots(call: Call, collection: str) -> list[SnapshotInfo]:
    result = call_ok(call, "GET", f"/collections/{quote(collection, safe='')}/snapshots")
    return [
        SnapshotInfo(collection, s["name"], _parse_time(s["creation_time"]), int(s.get("size") or 0), s.get("checksum"))
        for s in result or []
        if s.get("creation_time")
    ]


def newest_snapshot(call: Call, collection: str) -> SnapshotInfo | None:
    snapshots = list_snapshots(call, collection)
    return max(snapshots, key=lambda s: s.created) if snapshots else None


@dataclass
class RoundTrip:
    source: str
    restored: str
    points: int
    snapshot: str = ""
    size: int = 0
    reported_checksum: str | None = None
    downloaded_sha256: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def timings(self) -> str:
        return ", ".join(f"{step} {s:.2f} s" for step, s in self.timings_s.items())

    @property
    def checksum_ok(self) -> bool:
        return self.reported_checksum is not None and self.reported_checksum.lower() == self.downloaded_sha256


def _timed(trip: RoundTrip, step: str, start: float) -> None:
    trip.timings_s[step] = time.perf_counter() - start


def round_trip(target: Target, run_id: str, n: int = 200, timeout: float = 60.0) -> RoundTrip:
    """Create, download, verify, restore by upload and compare; everything it made is removed."""
    call = target.call
    points = known_points(n, seed=29, sparse=True)
    trip = RoundTrip(probe_name(run_id, "snapsrc"), probe_name(run_id, "snapdst"), n)
    src, dst = f"/collections/{trip.source}", f"/collections/{trip.restored}"
    try:
        create_hybrid_probe_collection(call, trip.source, PROBE_DIM)
        call_ok(call, "PUT", f"{src}/points?wait=true", upsert_body(points))
        start = time.perf_counter()
        made = _result(target.request("POST", f"{src}/snapshots?wait=true", timeout=timeout), f"POST {src}/snapshots")
        _timed(trip, "create", start)
        trip.snapshot, trip.reported_checksum = made["name"], made.get("checksum")
        start = time.perf_counter()
        response = target.request("GET", f"{src}/snapshots/{quote(trip.snapshot, safe='')}", timeout=timeout)
        if response.status_code != 200:
            raise QdrantCallError(f"downloading snapshot {trip.snapshot} answered HTTP {response.status_code}")
        data = response.content
        _timed(trip, "download", start)
        trip.size, trip.downloaded_sha256 = len(data), hashlib.sha256(data).hexdigest()
        delete_probe_snapshots(call, trip.source)  # the server's copy is no longer needed: nothing to leave behind
        if not trip.checksum_ok:
            trip.problems.append(
                f"snapshot {trip.snapshot} downloaded sha256 {trip.downloaded_sha256}, server reports checksum "
                f"{trip.reported_checksum}"
            )
            return trip
        start = time.perf_counter()
        response = target.request(
            "POST",
            f"{dst}/snapshots/upload?wait=true&priority=snapshot&checksum={trip.downloaded_sha256}",
            files={"snapshot": (trip.snapshot, data, "application/octet-stream")},
            timeout=timeout,
        )
        _timed(trip, "restore", start)
        _result(response, f"POST {dst}/snapshots/upload")
        trip.problems += _compare(call, trip, points)
    finally:
        for name in (trip.restored, trip.source):
            try:
                delete_probe_snapshots(call, name)
            finally:
                delete_probe_collection(call, name)
    return trip


def _result(response: httpx.Response, what: str) -> Any:
    """The envelope's result of a call made with its own timeout (``QdrantCallError`` naming it otherwise)."""
    method, _, path = what.partition(" ")
    return envelope_result(method, path, *Target._json(response))


def _compare(call: Call, trip: RoundTrip, points: list[Any]) -> list[str]:
    problems: list[str] = []
    count = call_ok(call, "POST", f"/collections/{trip.restored}/points/count", {"exact": True})["count"]
    if count != trip.points:
        problems.append(f"restored collection counts {count} points, the snapshot's source had {trip.points}")
    problems += differences(points, read_all(call, trip.restored))
    for p in points[:10]:
        for using, query in ((HYBRID_DENSE, p.vector), (HYBRID_SPARSE, p.sparse)):
            before = top_hit(call, trip.source, query, 10, using)
            after = top_hit(call, trip.restored, query, 10, using)
            if before != after:
                problems.append(f"top-10 for point {p.id}'s {using} vector differs: source {before}, restored {after}")
                return problems
    return problems
