"""Probe collections and the small Qdrant REST helpers the scenarios, baselines and sweep share.

Each takes a ``call(method, path, body) -> (status, json)`` function so the gevent side (locust) and the
httpx side (pytest) use the same logic. Writes go only to collections named ``golive_probe_<run-id>_<suffix>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from golive.errors import QdrantCallError as QdrantCallError  # re-exported: the load side raises it too
from golive.errors import TargetError
from golive.fields import new_run_id as new_run_id  # one run-id format: probe names are dated by it
from golive.protocol import envelope_result

Call = Callable[[str, str, Any], tuple[int, Any]]
PROBE_PREFIX = "golive_probe_"
_PROBE_RE = re.compile(r"^golive_probe_[A-Za-z0-9-]+_[A-Za-z0-9_-]+$")
_PROBE_TIME_RE = re.compile(r"^golive_probe_(\d{8}T\d{6}Z)-")
STALE_PROBE_AGE = dt.timedelta(hours=6)


def probe_name(run_id: str, suffix: str, now: dt.datetime | None = None) -> str:
    """``golive_probe_<run-id>_<suffix>``; a run id that does not start with its time (``--golive-run-id=rc1``)
    is dated with ``now``, so the sweep of another run never takes a young probe for a stale one."""
    if not _PROBE_TIME_RE.match(f"{PROBE_PREFIX}{run_id}"):
        run_id = f"{(now or dt.datetime.now(dt.UTC)):%Y%m%dT%H%M%SZ}-{run_id}"
    name = f"{PROBE_PREFIX}{run_id}_{suffix}"
    if not _PROBE_RE.match(name):
        raise ValueError(f"not a valid golive probe collection name: {name!r}")
    return name


def _ok(call: Call, method: str, path: str, body: Any = None) -> Any:
    return envelope_result(method, path, *call(method, path, body))


def list_collections(call: Call) -> list[str]:
    result = _ok(call, "GET", "/collections")
    return [c["name"] for c in result.get("collections", [])]


def pick_collection(call: Call, preferred: str | None) -> str:
    if preferred:
        return preferred
    names = [n for n in list_collections(call) if not n.startswith(PROBE_PREFIX)]
    if not names:
        raise QdrantCallError("the target has no collection to query; set load.collection")
    return sorted(names)[0]


@dataclass
class Sample:
    """Stored points to build realistic queries from: their vectors and the payload values to filter on."""

    collection: str
    vectors: list[list[float]]
    using: str | None = None
    payloads: list[dict[str, Any]] = field(default_factory=list)
    ids: list[Any] = field(default_factory=list)
    distance: str = "Cosine"
    sparse_using: str | None = None  # the collection's first sparse vector, if it has any
    sparse: list[dict[str, Any]] = field(default_factory=list)  # its stored values: {"indices", "values"}

    @property
    def size(self) -> int:
        return len(self.vectors[0])


def dense_vector_names(vectors_cfg: Any) -> list[str]:
    """The dense vector names of a collection's ``params.vectors`` (``[""]`` for the single unnamed vector)."""
    if isinstance(vectors_cfg, dict) and "size" in vectors_cfg and not isinstance(vectors_cfg["size"], dict):
        return [""]
    return sorted(str(n) for n, p in (vectors_cfg or {}).items() if isinstance(p, dict))


def sample_points(call: Call, collection: str, limit: int = 256, using: str | None = None) -> Sample:
    """Query vectors drawn from the collection's own stored vectors (scroll ``with_vector``), not random.

    ``using`` names the dense vector of a collection with named vectors (default: the first by name; sparse
    vectors are never sampled); for a collection with one unnamed vector it must be None or ``""``."""
    info = _ok(call, "GET", f"/collections/{collection}")
    vectors_cfg = info.get("config", {}).get("params", {}).get("vectors", {})
    names = dense_vector_names(vectors_cfg)
    if names == [""]:
        if using:
            raise QdrantCallError(f"collection {collection!r} has one unnamed vector, no vector named {using!r}")
        using, distance = None, vectors_cfg.get("distance", "Cosine")
    else:
        if not names:
            raise QdrantCallError(f"collection {collection!r} has no dense vector to query with (sparse only)")
        using = using or names[0]
        if using not in names:
            raise QdrantCallError(f"collection {collection!r} has no dense vector {using!r} (it has {names})")
        distance = vectors_cfg[using].get("distance", "Cosine")
    sparse_cfg = info.get("config", {}).get("params", {}).get("sparse_vectors") or {}
    sparse_using = sorted(sparse_cfg)[0] if isinstance(sparse_cfg, dict) and sparse_cfg else None
    with_vector: Any = [n for n in (using, sparse_using) if n] if using else True
    result = _ok(
        call,
        "POST",
        f"/collections/{collection}/points/scroll",
        {"limit": limit, "with_vector": with_vector, "with_payload": True},
    )
    vectors: list[list[float]] = []
    payloads: list[dict[str, Any]] = []
    ids: list[Any] = []
    sparse: list[dict[str, Any]] = []
    for point in result.get("points", []):
        vec = point.get("vector")
        stored = vec.get(sparse_using) if isinstance(vec, dict) and sparse_using else None
        if isinstance(stored, dict) and stored.get("indices"):
            sparse.append({"indices": stored["indices"], "values": stored.get("values")})
        if isinstance(vec, dict):  # named vectors: the one asked for (a point may lack it)
            vec = vec.get(using or "")
        if isinstance(vec, list) and vec:
            vectors.append([float(x) for x in vec])
            payloads.append(point.get("payload") or {})
            ids.append(point.get("id"))
    if not vectors:
        named = f" vector {using!r}" if using else ""
        raise QdrantCallError(f"collection {collection!r} returned no stored{named} vectors to query with")
    return Sample(collection, vectors, using, payloads, ids, str(distance), sparse_using, sparse)


def create_probe_collection(call: Call, name: str, size: int, distance: str = "Cosine") -> None:
    if not name.startswith(PROBE_PREFIX):
        raise ValueError(f"refusing to create {name!r}: golive writes only to {PROBE_PREFIX}* collections")
    _ok(call, "PUT", f"/collections/{name}", {"vectors": {"size": size, "distance": distance}})


#: The hybrid probe collection's vectors (the snapshot round trip): a named dense vector and an IDF sparse vector.
HYBRID_DENSE, HYBRID_SPARSE = "dense", "text"


def create_hybrid_probe_collection(call: Call, name: str, size: int) -> None:
    """A probe collection shaped like a hybrid-search one: named dense vector ``dense`` (Cosine) and sparse
    ``text`` (modifier idf), so what is checked on it covers both kinds of vector."""
    if not name.startswith(PROBE_PREFIX):
        raise ValueError(f"refusing to create {name!r}: golive writes only to {PROBE_PREFIX}* collections")
    body = {
        "vectors": {HYBRID_DENSE: {"size": size, "distance": "Cosine"}},
        "sparse_vectors": {HYBRID_SPARSE: {"modifier": "idf"}},
    }
    _ok(call, "PUT", f"/collections/{name}", body)


def delete_probe_collection(call: Call, name: str) -> None:
    if not name.startswith(PROBE_PREFIX):
        raise ValueError(f"refusing to delete {name!r}: golive removes only {PROBE_PREFIX}* collections")
    status, _ = call("DELETE", f"/collections/{name}", None)
    if status not in (200, 404):
        raise QdrantCallError(f"DELETE /collections/{name} answered HTTP {status}")


def delete_probe_snapshots(call: Call, name: str) -> list[str]:
    """Delete every snapshot of a probe collection (never of any other); return their names."""
    if not name.startswith(PROBE_PREFIX):
        raise ValueError(f"refusing to delete snapshots of {name!r}: golive removes only {PROBE_PREFIX}* snapshots")
    status, body = call("GET", f"/collections/{name}/snapshots", None)
    if status == 404:
        return []
    names = [str(s["name"]) for s in envelope_result("GET", f"/collections/{name}/snapshots", status, body) or []]
    for snapshot in names:
        status, body = call("DELETE", f"/collections/{name}/snapshots/{quote(snapshot, safe='')}", None)
        if status not in (200, 404):
            raise QdrantCallError(f"DELETE snapshot {snapshot} of {name} answered HTTP {status}: {str(body)[:200]}")
    return names


def remove_probe_collection(call: Call, name: str, attempts: int = 2) -> str | None:
    """Delete a probe collection, retrying once; None when it is gone, else the line naming the leftover."""
    error = ""
    for _ in range(attempts):
        try:
            delete_probe_collection(call, name)
            return None
        except (QdrantCallError, TargetError) as err:
            error = str(err)
    return f"{name} left on the target: {error} ({attempts} attempts)"


def stale_probe_collections(
    names: list[str], now: dt.datetime, older_than: dt.timedelta = STALE_PROBE_AGE
) -> list[str]:
    """Probe collections left by runs that started more than ``older_than`` ago (or that cannot be dated).

    Runs are bounded far below that age, so a concurrent run's probes are never among them.
    """
    stale = []
    for name in names:
        if not name.startswith(PROBE_PREFIX):
            continue
        match = _PROBE_TIME_RE.match(name)
        started = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC) if match else None
        if started is None or now - started > older_than:
            stale.append(name)
    return sorted(stale)


def sweep_stale_probes(call: Call, now: dt.datetime | None = None) -> list[str]:
    """Delete the stale probe collections of earlier, killed runs, and their snapshots; return their names."""
    stale = stale_probe_collections(list_collections(call), now or dt.datetime.now(dt.UTC))
    for name in stale:
        delete_probe_snapshots(call, name)
        delete_probe_collection(call, name)
    return stale
