"""What Qdrant says about its collections: ``GET /collections`` and ``GET /collections/{name}``.

``collection_state(target, "documents")`` -> ``CollectionState`` or ``None`` when it does not exist.
The ``collections:`` section (``ExpectedCollection``: what the config expects of each) lives here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, model_validator

from golive.fields import Section
from golive.protocol import envelope_result
from golive.target import Target

# Qdrant's default optimizers_config.indexing_threshold, in kilobytes of vectors per segment.
DEFAULT_INDEXING_THRESHOLD_KB = 10_000


Distance = Literal["Cosine", "Dot", "Euclid", "Manhattan"]


class ExpectedVector(Section):
    """One named dense vector of ``collections[].vectors``: ``{size: 384, distance: Cosine}``."""

    size: int = Field(gt=0, le=65536)
    distance: Distance


class ExpectedSparse(Section):
    """One sparse vector of ``collections[].sparse_vectors``: ``{modifier: idf}`` (``none``: no modifier)."""

    modifier: Literal["idf", "none"] = "none"


class ExpectedCollection(Section):
    """One entry of ``collections:``: a collection the deployment must have, and its shape: one unnamed vector
    (``vector_size`` + ``distance``) or named dense vectors (``vectors: {name: {size, distance}}``), and any
    sparse vectors (``sparse_vectors: {name: {modifier}}``)."""

    name: str = Field(min_length=1)
    vector_size: int | None = Field(None, gt=0, le=65536)
    distance: Distance | None = None
    vectors: dict[str, ExpectedVector] | None = Field(None, description="named dense vectors, instead of vector_size")
    sparse_vectors: dict[str, ExpectedSparse] = Field(default_factory=dict)
    min_points: int = Field(0, ge=0)
    recall_goal: float = Field(0.95, gt=0, le=1)

    @model_validator(mode="after")
    def _one_vector_shape(self) -> ExpectedCollection:
        unnamed = self.vector_size is not None or self.distance is not None
        if unnamed and self.vectors is not None:
            raise ValueError("give either vector_size + distance (one unnamed vector) or vectors (named), not both")
        if unnamed and (self.vector_size is None or self.distance is None):
            missing = "distance" if self.distance is None else "vector_size"
            raise ValueError(f"{missing} is missing: an unnamed vector needs both vector_size and distance")
        if not unnamed and self.vectors is None and not self.sparse_vectors:
            raise ValueError("no vectors: give vector_size + distance, or vectors: {name: {size, distance}}")
        if self.vectors is not None and not self.vectors and not self.sparse_vectors:
            raise ValueError("vectors is empty and there are no sparse_vectors")
        if "" in (self.vectors or {}) or "" in self.sparse_vectors:
            raise ValueError("a vector name must not be empty (the unnamed vector is vector_size + distance)")
        clash = sorted(set(self.vectors or {}) & set(self.sparse_vectors))
        if clash:
            raise ValueError(f"vector name(s) {clash} are both dense and sparse")
        return self

    @property
    def dense(self) -> dict[str, tuple[int, str]]:
        """Dense vector name ("" for the unnamed one) -> (size, distance), as ``CollectionState.vectors``."""
        if self.vectors is not None:
            return {name: (v.size, v.distance) for name, v in self.vectors.items()}
        if self.vector_size is not None and self.distance is not None:
            return {"": (self.vector_size, self.distance)}
        return {}

    @property
    def sparse(self) -> dict[str, str]:
        """Sparse vector name -> modifier ("idf" or "none"), as ``CollectionState.sparse_vectors``."""
        return {name: v.modifier for name, v in self.sparse_vectors.items()}


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
    sparse_vectors: dict[str, str] = field(default_factory=dict)  # sparse vector name -> modifier (idf / none)

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
    def dense_names(self) -> list[str]:
        """The dense vectors recall can be measured on ("" for the unnamed one), sorted."""
        return sorted(self.vectors)

    @property
    def unindexed_vectors(self) -> int:
        """Vectors not in an index; Qdrant counts each named vector of a point once, sparse ones included (a
        sparse index always covers its vectors)."""
        per_point = len(self.vectors) + len(self.sparse_vectors)
        return max(0, self.points_count * per_point - self.indexed_vectors_count)

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
    sparse_declared = (config.get("params") or {}).get("sparse_vectors") or {}
    sparse = {
        str(name): str((params or {}).get("modifier") or "none")
        for name, params in (sparse_declared.items() if isinstance(sparse_declared, dict) else ())
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
        sparse_vectors=sparse,
    )


def _shape(value: tuple[int, str] | str) -> str:
    return f"size {value[0]} {value[1]}" if isinstance(value, tuple) else f"modifier {value}"


def _label(name: str, sparse: bool) -> str:
    return f"sparse vector {name!r}" if sparse else ("the unnamed vector" if name == "" else f"vector {name!r}")


def vector_drift(expected: dict[str, Any], seen: dict[str, Any], *, sparse: bool = False) -> list[str]:
    """What differs between the expected and the seen vectors (dense: name -> (size, distance); sparse: name ->
    modifier), one line each: missing, unexpected, or changed.

    >>> vector_drift({"a": (4, "Dot")}, {"a": (8, "Dot"), "b": (2, "Cosine")})
    ["vector 'a' is size 8 Dot, expected size 4 Dot", "unexpected vector 'b' (size 2 Cosine)"]
    """
    out = []
    for name in sorted(set(expected) | set(seen)):
        label = _label(name, sparse)
        if name not in seen:
            out.append(f"{label} is missing (expected {_shape(expected[name])})")
        elif name not in expected:
            out.append(f"unexpected {label} ({_shape(seen[name])})")
        elif seen[name] != expected[name]:
            out.append(f"{label} is {_shape(seen[name])}, expected {_shape(expected[name])}")
    return out


def describe_vectors(dense: dict[str, tuple[int, str]], sparse: dict[str, str]) -> str:
    """``{"": (384, "Cosine")}`` -> ``size 384 Cosine``; named -> ``dense: size 384 Cosine, text: sparse (idf)``."""
    if set(dense) == {""} and not sparse:
        return _shape(dense[""])
    parts = [f"{name or '(unnamed)'}: {_shape(v)}" for name, v in sorted(dense.items())]
    parts += [f"{name}: sparse ({modifier})" for name, modifier in sorted(sparse.items())]
    return "{" + ", ".join(parts) + "}"
