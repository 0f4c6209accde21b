"""Named dense and sparse vectors: Qdrant's REST shapes for a collection's vectors, over qdrant_edge.

A collection has either one unnamed dense vector (``{"vectors": {"size", "distance"}}``, stored as before) or
named dense vectors (``{"vectors": {"dense": {"size", "distance", "hnsw_config"}}}``), each with its own size,
distance and HNSW config, and optionally sparse vectors (``{"sparse_vectors": {"text": {"modifier": "idf"}}}``).
:class:`Space` is what the routes validate points, queries and ``with_vector`` against; the texts of refused
input are Qdrant's (``Wrong input: Not existing vector name error: x``).

    >>> space = Space.of({"vectors": {"d": {"size": 2, "distance": "Dot"}}, "sparse_vectors": {"t": {}}})
    >>> space.dense, sorted(space.sparse)
    ({'d': 2}, ['t'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import qdrant_edge as qe

from golive.sandbox.convert import DISTANCES, vector
from golive.sandbox.protocol import ApiError, bad_input, bad_request

UNNAMED = ""
MAX_NAME = 255
DEFAULT_RRF_K = 2  # Qdrant's default k for `{"fusion": "rrf"}`
#: Vector params Qdrant accepts that the sandbox does not honour: refused (400 naming the field), never ignored.
UNSUPPORTED_DENSE = ("quantization_config", "multivector_config", "datatype")
UNSUPPORTED_SPARSE_INDEX = ("datatype",)
HNSW_KEYS = ("m", "ef_construct", "full_scan_threshold", "max_indexing_threads", "on_disk", "payload_m")
MODIFIERS = {"idf": qe.Modifier.Idf, "none": None}


def is_unnamed(vectors: Any) -> bool:
    """The stored/REST ``vectors`` is the single unnamed vector (``{size, distance}``), not a map of names."""
    return isinstance(vectors, dict) and "size" in vectors and not isinstance(vectors["size"], dict)


@dataclass(frozen=True)
class Space:
    """The vectors of one collection: dense name -> size (``""`` alone for the unnamed one), sparse names."""

    dense: dict[str, int]
    sparse: frozenset[str]
    #: One unnamed dense vector and nothing else: the search hot path takes its old, short way (set once).
    plain: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", not self.sparse and len(self.dense) == 1 and UNNAMED in self.dense)

    @classmethod
    def of(cls, config: dict[str, Any]) -> Space:
        vectors = config.get("vectors") or {}
        if is_unnamed(vectors):
            dense = {UNNAMED: int(vectors["size"])}
        else:
            dense = {name: int(params["size"]) for name, params in vectors.items()}
        return cls(dense, frozenset(config.get("sparse_vectors") or {}))

    def names(self) -> list[str]:
        return sorted(self.dense) + sorted(self.sparse)

    def check_name(self, name: str) -> None:
        if name not in self.dense and name not in self.sparse:
            raise bad_input(f"Not existing vector name error: {name}")

    def value(self, name: str, raw: Any, where: str, *, keyed: bool = True) -> Any:
        """One vector under ``name``: a dense list of the right size or a sparse ``{indices, values}``; ``where``
        (``+ .name`` when ``keyed``) locates it in error texts."""
        self.check_name(name)
        if name in self.sparse:
            if not isinstance(raw, dict):
                raise bad_input("Wrong usage of sparse vectors")  # qdrant_edge's text: a dense value for a sparse name
            return sparse_vector(raw, f"{where}.{name}" if name and keyed else where)
        if isinstance(raw, dict):
            raise bad_input("Wrong usage of sparse vectors")
        return vector(raw, self.dense[name])

    def point_vector(self, raw: Any, where: str = "vector") -> Any:
        """A point's ``vector``: a list (the unnamed vector) or ``{name: dense | sparse}``."""
        if self.plain:
            return vector(raw, self.dense[UNNAMED])
        if isinstance(raw, list):
            return {UNNAMED: self.value(UNNAMED, raw, where)}
        if not isinstance(raw, dict):
            raise bad_request(f"{where} must be a list of numbers or an object of named vectors")
        if "indices" in raw and UNNAMED not in raw:  # a bare sparse vector: sparse vectors always have a name
            raise bad_input(f"Not existing vector name error: {UNNAMED}")
        return {str(name): self.value(str(name), value, where) for name, value in raw.items()}

    def batch_vectors(self, raw: Any, count: int) -> list[Any]:
        """The ``batch.vectors`` of ``count`` points: a list of lists, or ``{name: [one per point]}``."""
        if isinstance(raw, list):
            if len(raw) != count:
                raise bad_request("batch ids, vectors and payloads must have the same length")
            return raw
        if not isinstance(raw, dict) or self.plain:
            raise bad_request("batch.vectors must be a list of vectors or an object of named vector lists")
        for name, values in raw.items():
            if not isinstance(values, list) or len(values) != count:
                raise bad_request(f"batch.vectors.{name} must be a list with one vector per id")
        return [{name: values[i] for name, values in raw.items()} for i in range(count)]


def sparse_vector(raw: Any, where: str) -> qe.SparseVector:
    """``{indices, values}`` checked as Qdrant does (422 for mismatched lengths or repeated indices): qdrant_edge
    panics on a mismatch, so nothing unchecked reaches it."""
    if not isinstance(raw, dict) or set(raw) - {"indices", "values"}:
        raise bad_request(f"{where} must be a sparse vector {{indices, values}}")
    indices, values = raw.get("indices"), raw.get("values")
    if not isinstance(indices, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 2**32 for i in indices
    ):
        raise bad_request(f"{where}.indices must be a list of unsigned 32-bit integers")
    if not isinstance(values, list) or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise bad_request(f"{where}.values must be a list of numbers")
    problems = []
    if len(indices) != len(values):
        problems.append(f"{where}.values: must be the same length as indices")
    if len(set(indices)) != len(indices):
        problems.append(f"{where}.indices: must be unique")
    if problems:
        raise ApiError(422, f"Validation error in JSON body: [{', '.join(problems)}]")
    if not math.isfinite(sum(values)):
        raise bad_request(f"{where}.values contains NaN or infinity")
    return qe.SparseVector([int(i) for i in indices], [float(v) for v in values])


def with_vector(space: Space, value: Any) -> Any:
    """REST ``with_vector`` for a collection of named vectors: a boolean or a list of existing names."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, list) and all(isinstance(n, str) for n in value):
        for name in value:
            space.check_name(name)
        return list(value)
    raise bad_request("with_vector must be a boolean or a list of vector names")


# ------------------------------------------------------------------------------------------ collection config


def _name(name: Any, field: str) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise ApiError(422, f"Validation error in JSON body: [{field}: vector name must be 1 to {MAX_NAME} characters]")
    return name


def _dense(params: Any, field: str) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise bad_request(f"{field} must be {{size, distance}}")
    size, distance = params.get("size"), params.get("distance")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 65536:
        raise bad_input(f"{field}.size must be an integer between 1 and 65536, got {size!r}")
    if distance not in DISTANCES:
        raise bad_request(f"unknown distance {distance!r} in {field}.distance, expected one of {sorted(DISTANCES)}")
    for key in UNSUPPORTED_DENSE:
        if params.get(key) is not None:
            raise bad_request(f"{field}.{key} is not supported by the golive sandbox")
    hnsw = params.get("hnsw_config")
    if hnsw is not None:
        if not isinstance(hnsw, dict):
            raise bad_request(f"{field}.hnsw_config must be an object")
        unknown = sorted(set(hnsw) - set(HNSW_KEYS))
        if unknown:
            raise bad_request(f"unknown field(s) {unknown} in {field}.hnsw_config")
        for key in ("m", "ef_construct", "full_scan_threshold"):
            value = hnsw.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise bad_input(f"{field}.hnsw_config.{key} must be a non-negative integer")
        hnsw = {k: v for k, v in hnsw.items() if v is not None}
    out: dict[str, Any] = {"size": size, "distance": distance, "on_disk": params.get("on_disk")}
    if hnsw:
        out["hnsw_config"] = hnsw
    return out


def _sparse(params: Any, field: str) -> dict[str, Any]:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise bad_request(f"{field} must be an object ({{index, modifier}})")
    unknown = sorted(set(params) - {"index", "modifier"})
    if unknown:
        raise bad_request(f"unknown field(s) {unknown} in {field}")
    modifier = params.get("modifier")
    if modifier is not None and modifier not in MODIFIERS:
        raise bad_request(f"unknown variant {modifier!r} in {field}.modifier, expected one of {sorted(MODIFIERS)}")
    index = params.get("index")
    if index is not None:
        if not isinstance(index, dict) or set(index) - {"full_scan_threshold", "on_disk", "datatype"}:
            raise bad_request(f"{field}.index takes full_scan_threshold, on_disk and datatype")
        for key in UNSUPPORTED_SPARSE_INDEX:
            if index.get(key) is not None:
                raise bad_request(f"{field}.index.{key} is not supported by the golive sandbox")
        threshold = index.get("full_scan_threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0):
            raise bad_input(f"{field}.index.full_scan_threshold must be a non-negative integer")
        index = {k: v for k, v in index.items() if v is not None} or None
    out: dict[str, Any] = {}
    if index:
        out["index"] = index
    if modifier is not None:
        out["modifier"] = modifier
    return out


def parse_config(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(vectors, sparse_vectors)`` of a ``PUT /collections/{c}`` body, validated, in the stored form."""
    raw, raw_sparse = body.get("vectors"), body.get("sparse_vectors")
    if raw is None and raw_sparse is None:
        raise bad_request("missing field `vectors` ({size, distance} or {name: {size, distance}})")
    if raw is None:
        vectors: dict[str, Any] = {}
    elif is_unnamed(raw):
        vectors = _dense(raw, "vectors")
    elif isinstance(raw, dict):
        vectors = {_name(n, f"vectors.{n}"): _dense(p, f"vectors.{n}") for n, p in raw.items()}
    else:
        raise bad_request("vectors must be {size, distance} or {name: {size, distance}}")
    sparse = None
    if raw_sparse is not None:
        if not isinstance(raw_sparse, dict):
            raise bad_request("sparse_vectors must be an object {name: {modifier, index}}")
        sparse = {_name(n, f"sparse_vectors.{n}"): _sparse(p, f"sparse_vectors.{n}") for n, p in raw_sparse.items()}
        clash = sorted(set(sparse) & (set() if is_unnamed(vectors) else set(vectors)))
        if clash:
            raise bad_input(f"Vector name {clash[0]!r} is used by both a dense and a sparse vector")
    return vectors, sparse


def info_params(config: dict[str, Any]) -> dict[str, Any]:
    """``params.vectors`` (and ``params.sparse_vectors`` when there are any) as Qdrant's collection info shows."""
    vectors = config["vectors"]
    if is_unnamed(vectors):
        shown: dict[str, Any] = {k: v for k, v in vectors.items() if v is not None}
    else:
        shown = {name: {k: v for k, v in p.items() if v is not None} for name, p in vectors.items()}
    out = {"vectors": shown}
    if config.get("sparse_vectors"):
        out["sparse_vectors"] = {name: dict(p) for name, p in config["sparse_vectors"].items()}
    return out


def edge_vectors(config: dict[str, Any], hnsw: dict[str, Any]) -> dict[str, Any]:
    """``vectors`` / ``sparse_vectors`` keyword arguments of ``qe.EdgeConfig``; ``hnsw`` is the collection's."""
    vectors = config["vectors"]
    if is_unnamed(vectors):
        dense: Any = qe.EdgeVectorParams(size=vectors["size"], distance=DISTANCES[vectors["distance"]])
    else:
        dense = {name: _edge_dense(p, hnsw) for name, p in vectors.items()}
    out: dict[str, Any] = {"vectors": dense}
    sparse = config.get("sparse_vectors")
    if sparse:
        out["sparse_vectors"] = {
            name: qe.EdgeSparseVectorParams(
                full_scan_threshold=(p.get("index") or {}).get("full_scan_threshold"),
                modifier=MODIFIERS[p.get("modifier") or "none"],
            )
            for name, p in sparse.items()
        }
    return out


def _edge_dense(params: dict[str, Any], hnsw: dict[str, Any]) -> qe.EdgeVectorParams:
    own = params.get("hnsw_config")
    hnsw_config = None
    if own:
        merged = {**hnsw, **own}
        hnsw_config = qe.HnswIndexConfig(
            m=merged["m"],
            ef_construct=merged["ef_construct"],
            full_scan_threshold=merged["full_scan_threshold"],
            max_indexing_threads=merged.get("max_indexing_threads") or 0,
        )
    return qe.EdgeVectorParams(size=params["size"], distance=DISTANCES[params["distance"]], hnsw_config=hnsw_config)
