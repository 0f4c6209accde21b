"""Data integrity: write known points into a probe collection and read them back, step by step.

``write_read_probe(target.call, "golive_probe_<run-id>_integrity")`` -> ``IntegrityObservation`` with each
step's time and every difference seen; it creates the probe collection and always removes it. The known points
and the comparison (``known_points``, ``differences``) are shared with the snapshot round trip.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from golive.probes.probe_collections import (
    HYBRID_DENSE,
    HYBRID_SPARSE,
    Call,
    create_probe_collection,
    delete_probe_collection,
)
from golive.protocol import envelope_result

PROBE_DIM = 16
PROBE_POINTS = 64
FLOAT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class KnownPoint:
    id: int
    vector: list[float]
    payload: dict[str, Any]
    sparse: dict[str, list[Any]] | None = None  # {"indices", "values"}: a hybrid probe point's sparse vector


def known_points(n: int = PROBE_POINTS, dim: int = PROBE_DIM, seed: int = 13, sparse: bool = False) -> list[KnownPoint]:
    """``n`` unit vectors (Cosine) with payloads of every JSON kind, and with ``sparse`` a sparse vector each (a
    term of its own, ``10000 + i``, and a few shared ones); the same for the same seed."""
    rng = random.Random(seed)
    points = []
    for i in range(n):
        raw = [rng.gauss(0.0, 1.0) for _ in range(dim)]
        norm = math.sqrt(sum(x * x for x in raw)) or 1.0
        payload = {"golive": "probe", "n": i, "f": i / 7, "even": i % 2 == 0, "tags": [f"t{i % 3}", "x"]}
        terms: dict[str, list[Any]] | None = None
        if sparse:
            indices = sorted({*rng.sample(range(100), 4), 10_000 + i})
            terms = {"indices": indices, "values": [round(rng.uniform(0.5, 3.0), 3) for _ in indices]}
        points.append(KnownPoint(1000 + i, [x / norm for x in raw], payload, terms))
    return points


def call_ok(call: Call, method: str, path: str, body: Any = None) -> Any:
    """The envelope's result of one call (``QdrantCallError`` naming the call otherwise)."""
    return envelope_result(method, path, *call(method, path, body))


def _vector_of(p: KnownPoint) -> Any:
    if p.sparse is None:
        return p.vector
    return {HYBRID_DENSE: p.vector, HYBRID_SPARSE: p.sparse}


def upsert_body(points: list[KnownPoint]) -> dict[str, Any]:
    """Points with their unnamed vector, or (hybrid probe points) with ``dense`` and ``text`` by name."""
    return {"points": [{"id": p.id, "vector": _vector_of(p), "payload": p.payload} for p in points]}


def read_all(call: Call, collection: str, limit: int = 10_000) -> dict[Any, dict[str, Any]]:
    """Every point of a (small) collection by id: ``{id: {"vector": [...], "payload": {...}}}``."""
    found: dict[Any, dict[str, Any]] = {}
    offset: Any = None
    while True:
        body = {"limit": 256, "with_vector": True, "with_payload": True, "offset": offset}
        page = call_ok(call, "POST", f"/collections/{collection}/points/scroll", body)
        for p in page.get("points", []):
            found[p["id"]] = {"vector": p.get("vector"), "payload": p.get("payload")}
        offset = page.get("next_page_offset")
        if offset is None or len(found) >= limit:
            return found


def differences(expected: list[KnownPoint], seen: dict[Any, dict[str, Any]], limit: int = 5) -> list[str]:
    """What differs between the known points and the points read back (missing, extra, payload, vector)."""
    out: list[str] = []
    wanted = {p.id: p for p in expected}
    missing = sorted(set(wanted) - set(seen), key=str)
    extra = sorted(set(seen) - set(wanted), key=str)
    if missing:
        out.append(f"{len(missing)} point(s) missing (ids {missing[:limit]})")
    if extra:
        out.append(f"{len(extra)} unexpected point(s) (ids {extra[:limit]})")
    for pid, point in wanted.items():
        got = seen.get(pid)
        if got is None:
            continue
        if got.get("payload") != point.payload:
            out.append(f"point {pid} payload is {got.get('payload')!r}, wrote {point.payload!r}")
        vec = got.get("vector")
        if point.sparse is not None:
            stored = vec.get(HYBRID_SPARSE) if isinstance(vec, dict) else None
            if not _same_sparse(stored, point.sparse):
                out.append(f"point {pid} sparse vector {HYBRID_SPARSE!r} is {stored!r}, wrote {point.sparse!r}")
            vec = vec.get(HYBRID_DENSE) if isinstance(vec, dict) else vec
        if not isinstance(vec, list) or len(vec) != len(point.vector):
            out.append(
                f"point {pid} vector has {len(vec) if isinstance(vec, list) else vec!r} dims, wrote {len(point.vector)}"
            )
        else:
            worst = max(abs(a - b) for a, b in zip(vec, point.vector, strict=True))
            if worst > FLOAT_TOLERANCE:
                out.append(f"point {pid} vector differs by up to {worst:.2g} (tolerance {FLOAT_TOLERANCE:g})")
        if len(out) >= 3 * limit:
            break
    return out


def _same_sparse(stored: Any, wrote: dict[str, list[Any]]) -> bool:
    if not isinstance(stored, dict) or not isinstance(stored.get("indices"), list):
        return False
    pairs = sorted(zip(stored["indices"], stored.get("values") or [], strict=False))
    expected = sorted(zip(wrote["indices"], wrote["values"], strict=True))
    return len(pairs) == len(expected) and all(
        i == j and abs(a - b) <= FLOAT_TOLERANCE for (i, a), (j, b) in zip(pairs, expected, strict=True)
    )


def top_hit(call: Call, collection: str, vector: Any, limit: int = 1, using: str | None = None) -> list[Any]:
    """The ids of the nearest points to ``vector`` (dense, or sparse ``{indices, values}`` with ``using``)."""
    body: dict[str, Any] = {"query": vector, "limit": limit}
    if using:
        body["using"] = using
    result = call_ok(call, "POST", f"/collections/{collection}/points/query", body)
    return [p["id"] for p in result.get("points", [])]


@dataclass
class IntegrityObservation:
    collection: str
    points: int
    timings_ms: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def timings(self) -> str:
        return ", ".join(f"{step} {ms:.0f} ms" for step, ms in self.timings_ms.items())


@contextmanager
def _timed(obs: IntegrityObservation, step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        obs.timings_ms[step] = (time.perf_counter() - start) * 1000


def write_read_probe(call: Call, collection: str, n: int = PROBE_POINTS) -> IntegrityObservation:
    """Upsert (wait), retrieve by id, find each by its own vector, count, delete, verify gone; then remove it."""
    points = known_points(n)
    obs = IntegrityObservation(collection, n)
    base = f"/collections/{collection}"
    ids = [p.id for p in points]
    try:
        with _timed(obs, "create"):
            create_probe_collection(call, collection, PROBE_DIM, "Cosine")
        with _timed(obs, "upsert"):
            call_ok(call, "PUT", f"{base}/points?wait=true", upsert_body(points))
        with _timed(obs, "retrieve"):
            got = call_ok(call, "POST", f"{base}/points", {"ids": ids, "with_payload": True, "with_vector": True})
        obs.problems += differences(points, {p["id"]: p for p in got})
        with _timed(obs, "search"):
            misses = [(p.id, hits) for p in points if (hits := top_hit(call, collection, p.vector)) != [p.id]]
        obs.problems += [f"searching point {pid}'s own vector found {hits} first" for pid, hits in misses[:5]]
        with _timed(obs, "count"):
            count = call_ok(call, "POST", f"{base}/points/count", {"exact": True})["count"]
        if count != n:
            obs.problems.append(f"count is {count} after writing {n} points")
        with _timed(obs, "delete"):
            call_ok(call, "POST", f"{base}/points/delete?wait=true", {"points": ids})
        with _timed(obs, "verify_gone"):
            left = call_ok(call, "POST", f"{base}/points", {"ids": ids})
            after = call_ok(call, "POST", f"{base}/points/count", {"exact": True})["count"]
        if left or after:
            obs.problems.append(f"{len(left)} point(s) still readable and count {after} after deleting all {n}")
    finally:
        delete_probe_collection(call, collection)
    return obs
