"""What Qdrant says about its collections: ``GET /collections`` and ``GET /collections/{name}``.

``collection_state(target, "documents")`` -> ``CollectionState`` or ``None`` when it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from golive.target import Target, TargetError

# Qdrant's default optimizers_config.indexing_threshold, in kilobytes of vectors per segment.
DEFAULT_INDEXING_THRESHOLD_KB = 10_000


@dataclass(frozen=True)
class CollectionState:
    name: str
    status: str
    optimizer_error: str | None
    points_count: int
    indexed_vectors_count: int
    segments_count: int
    vector_size: int | None
    distance: str | None
    indexing_threshold_kb: int

    @property
    def optimizer_ok(self) -> bool:
        return self.optimizer_error is None

    @property
    def vector_bytes(self) -> int:
        return self.points_count * (self.vector_size or 0) * 4

    @property
    def unindexed_vectors(self) -> int:
        return max(0, self.points_count - self.indexed_vectors_count)

    @property
    def unindexed_kb(self) -> float:
        return self.unindexed_vectors * (self.vector_size or 0) * 4 / 1024

    @property
    def indexing_complete(self) -> bool:
        """Qdrant leaves a segment unindexed while its vectors stay under ``indexing_threshold`` (KB); more
        unindexed vectors than that means indexing is behind or stuck. A threshold of 0 switches indexing off.
        """
        threshold = self.indexing_threshold_kb
        return threshold == 0 or self.unindexed_kb <= threshold


def list_collections(target: Target) -> list[str]:
    result = target.result("/collections")
    return sorted(c["name"] for c in result.get("collections", []))


def collection_state(target: Target, name: str) -> CollectionState | None:
    response = target.get(f"/collections/{quote(name, safe='')}")
    if response.status_code == 404:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        raise TargetError(f"GET /collections/{name} -> HTTP {response.status_code}: {response.text[:200]!r}")
    return parse_collection(name, body["result"])


def parse_collection(name: str, info: dict[str, Any]) -> CollectionState:
    optimizer = info.get("optimizer_status", "ok")
    optimizer_error = None
    if isinstance(optimizer, dict):
        optimizer_error = str(optimizer.get("error", optimizer))
    elif optimizer != "ok":
        optimizer_error = str(optimizer)
    config = info.get("config") or {}
    vectors = (config.get("params") or {}).get("vectors") or {}
    size = vectors.get("size") if isinstance(vectors, dict) else None
    distance = vectors.get("distance") if isinstance(vectors, dict) else None
    threshold = (config.get("optimizer_config") or {}).get("indexing_threshold")
    return CollectionState(
        name=name,
        status=str(info.get("status", "unknown")),
        optimizer_error=optimizer_error,
        points_count=int(info.get("points_count") or 0),
        indexed_vectors_count=int(info.get("indexed_vectors_count") or 0),
        segments_count=int(info.get("segments_count") or 0),
        vector_size=int(size) if size is not None else None,
        distance=str(distance) if distance is not None else None,
        indexing_threshold_kb=int(threshold) if threshold is not None else DEFAULT_INDEXING_THRESHOLD_KB,
    )
