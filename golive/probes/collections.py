"""What Qdrant says about its collections: ``GET /collections`` and ``GET /collections/{name}``.

``collection_state(target, "documents")`` -> ``CollectionState`` or ``None`` when it does not exist.
The ``collections:`` section (``ExpectedCollection``: what the config expects of each) lives here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from golive.fields import Section
from golive.protocol import envelope_result
from golive.target import Target

# Qdrant's default optimizers_config.indexing_threshold, in kilobytes of vectors per segment.
DEFAULT_INDEXING_THRESHOLD_KB = 10_000


class ExpectedCollection(Section):
    """One entry of ``collections:``: a collection the deployment must have, and its shape."""

    name: str = Field(min_length=1)
    vector_size: int = Field(gt=0, le=65536)
    distance: Literal["Cosine", "Dot", "Euclid", "Manhattan"]
    min_points: int = Field(0, ge=0)
    recall_goal: float = Field(0.95, gt=0, le=1)


@dataclass(frozen=True)
class CollectionState:
    name: str
    status: str
    optimizer_error: str | None
    points_count: int
    indexed_vectors_count: int
    segments_count: int
    vectors: dict[str, tuple[int, str]]  # vector name ("" for the single unnamed one) -> (size, distance)
    indexing_threshold_kb: int

    @property
    def optimizer_ok(self) -> bool:
        return self.optimizer_error is None

    @property
    def named_vectors(self) -> list[str]:
        return sorted(n for n in self.vectors if n)

    @property
    def vector_size(self) -> int | None:
        """Size of the single unnamed vector; None for a collection of named vectors."""
        return self.vectors[""][0] if "" in self.vectors else None

    @property
    def distance(self) -> str | None:
        return self.vectors[""][1] if "" in self.vectors else None

    @property
    def unindexed_vectors(self) -> int:
        """Vectors not in an HNSW index; Qdrant counts each named vector of a point once."""
        return max(0, self.points_count * len(self.vectors) - self.indexed_vectors_count)

    @property
    def unindexed_kb(self) -> float:
        mean_size = sum(size for size, _ in self.vectors.values()) / max(1, len(self.vectors))
        return self.unindexed_vectors * mean_size * 4 / 1024

    @property
    def unindexed_allowance_kb(self) -> int:
        """Qdrant applies ``indexing_threshold`` per segment: each segment may stay plain up to it."""
        return self.indexing_threshold_kb * max(1, self.segments_count)

    @property
    def indexing_complete(self) -> bool:
        """More unindexed vectors than every segment may hold below the threshold means indexing is behind or
        stuck. A threshold of 0 switches indexing off."""
        return self.indexing_threshold_kb == 0 or self.unindexed_kb <= self.unindexed_allowance_kb


def collection_state(target: Target, name: str) -> CollectionState | None:
    response = target.get(f"/collections/{quote(name, safe='')}")
    if response.status_code == 404:
        return None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return parse_collection(name, envelope_result("GET", f"/collections/{name}", response.status_code, body))


def parse_collection(name: str, info: dict[str, Any]) -> CollectionState:
    optimizer = info.get("optimizer_status", "ok")
    optimizer_error = None
    if isinstance(optimizer, dict):
        optimizer_error = str(optimizer.get("error", optimizer))
    elif optimizer != "ok":
        optimizer_error = str(optimizer)
    config = info.get("config") or {}
    declared = (config.get("params") or {}).get("vectors") or {}
    if isinstance(declared, dict) and "size" in declared:  # one unnamed vector
        declared = {"": declared}
    vectors = {
        str(name): (int(params.get("size") or 0), str(params.get("distance")))
        for name, params in (declared.items() if isinstance(declared, dict) else ())
        if isinstance(params, dict)
    }
    threshold = (config.get("optimizer_config") or {}).get("indexing_threshold")
    return CollectionState(
        name=name,
        status=str(info.get("status", "unknown")),
        optimizer_error=optimizer_error,
        points_count=int(info.get("points_count") or 0),
        indexed_vectors_count=int(info.get("indexed_vectors_count") or 0),
        segments_count=int(info.get("segments_count") or 0),
        vectors=vectors,
        indexing_threshold_kb=int(threshold) if threshold is not None else DEFAULT_INDEXING_THRESHOLD_KB,
    )
