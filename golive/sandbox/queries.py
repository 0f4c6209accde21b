"""The ``query`` / ``using`` / ``prefetch`` of Qdrant's universal query API for collections with named dense or
sparse vectors, and the named form of the older search API, as qdrant_edge objects.

A dense vector (``[..]`` or ``{"nearest": [..]}``), a sparse one (``{"indices", "values"}``), a point id, or a
fusion of prefetches (``{"fusion": "rrf" | "dbsf"}``, ``{"rrf": {"k": 60}}``). Qdrant's checks and texts:
prefetches need a query, a fusion takes no ``using``, a score threshold needs a query.

    >>> from golive.sandbox.vectors import Space
    >>> parse(Space({"d": 2}, frozenset()), {"query": [1, 0], "using": "d"}, lambda *a: None).nearest
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qdrant_edge as qe

from golive.sandbox import convert
from golive.sandbox.protocol import ApiError, bad_request
from golive.sandbox.vectors import DEFAULT_RRF_K, UNNAMED, Space

#: ``lookup(point_id, vector_name)`` -> that point's stored vector under the name (404 when absent).
Lookup = Callable[["qe.PointId", str], Any]
MERGE_NEEDS_QUERY = "A query is needed to merge the prefetches. Can't have prefetches without defining a query."
THRESHOLD_NEEDS_QUERY = (
    "A query is needed to use the score_threshold. Can't have score_threshold without defining a query."
)
PREFETCH_KEYS = frozenset({"prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "lookup_from"})


@dataclass(frozen=True)
class Parsed:
    query: Any  # a qe.Query, a qe.Fusion or None
    exclude: qe.PointId | None  # a query by point id leaves that point out, as Qdrant does
    prefetches: list[qe.Prefetch] | None
    nearest: bool  # a nearest-neighbour vector query (what the search_recall fault degrades)


def _using(space: Space, body: dict[str, Any]) -> str:
    using = body.get("using")
    if using is None:
        return UNNAMED
    if not isinstance(using, str):
        raise bad_request("using must be a vector name (a string)")
    space.check_name(using)
    return using


def _fusion(query: dict[str, Any]) -> Any:
    if "fusion" in query:
        kind = query["fusion"]
        if kind == "rrf":
            return qe.Fusion.Rrf(k=DEFAULT_RRF_K)
        if kind == "dbsf":
            return qe.Fusion.Dbsf()
        raise bad_request(f"unknown variant {kind!r} in query.fusion, expected one of ['dbsf', 'rrf']")
    rrf = query["rrf"]
    if not isinstance(rrf, dict):
        raise bad_request("query.rrf must be an object {k, weights}")
    k = rrf.get("k", DEFAULT_RRF_K)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ApiError(422, "Validation error in JSON body: [query.rrf.k: value 0 invalid, must be 1 or larger]")
    weights = rrf.get("weights")
    numbers = isinstance(weights, list) and all(isinstance(w, int | float) and not isinstance(w, bool) for w in weights)
    if weights is not None and not numbers:
        raise bad_request("query.rrf.weights must be a list of numbers")
    return qe.Fusion.Rrf(k=k, weights=[float(w) for w in weights] if weights is not None else None)


def _scoring(space: Space, raw: Any, using: str, lookup: Lookup, where: str) -> tuple[Any, qe.PointId | None, bool]:
    """(scoring query, excluded id, nearest?) of one ``query`` value."""
    if raw is None:
        return None, None, False
    if isinstance(raw, dict) and "nearest" in raw:
        raw = raw["nearest"]
    if isinstance(raw, dict) and ("fusion" in raw or "rrf" in raw):
        if using != UNNAMED:
            raise bad_request("Fusion queries cannot be combined with the 'using' field.")
        return _fusion(raw), None, False
    if isinstance(raw, list) and raw and isinstance(raw[0], list):
        raise bad_request(f"{where}: multivector queries are not supported by the golive sandbox")
    if isinstance(raw, list) or (isinstance(raw, dict) and "indices" in raw):
        value = space.value(using, raw, where, keyed=False)
        return qe.Query.Nearest(value, using=using or None), None, True
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        pid = convert.point_id(raw)
        space.check_name(using)
        return qe.Query.Nearest(lookup(pid, using), using=using or None), pid, True
    if isinstance(raw, dict):
        raise bad_request(f"{where} {sorted(raw)} is not supported by the golive sandbox")
    raise bad_request(f"{where} must be a vector, a sparse vector, a point id or a fusion")


def _prefetches(space: Space, raw: Any, lookup: Lookup, where: str) -> list[qe.Prefetch] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for i, item in enumerate(items):
        field = f"{where}[{i}]" if isinstance(raw, list) else where
        if not isinstance(item, dict):
            raise bad_request(f"{field} must be an object")
        unknown = sorted(set(item) - PREFETCH_KEYS)
        if unknown:
            raise bad_request(f"unknown field(s) {unknown} in {field}")
        if item.get("lookup_from") is not None:
            raise bad_request(f"{field}.lookup_from is not supported by the golive sandbox")
        parsed = parse(space, item, lookup, where=field)
        threshold = item.get("score_threshold")
        out.append(
            qe.Prefetch(
                limit=convert.positive_int(item.get("limit"), f"{field}.limit", 10),
                query=parsed.query,
                prefetches=parsed.prefetches,
                params=convert.search_params(item.get("params")),
                filter=convert.to_filter(item.get("filter")),
                score_threshold=_threshold(threshold, field),
            )
        )
    return out


def _threshold(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{where}.score_threshold must be a number")
    return float(value)


def parse(space: Space, body: dict[str, Any], lookup: Lookup, where: str = "query") -> Parsed:
    """One query level (the request or a prefetch): its scoring query and its prefetches, checked as Qdrant does."""
    using = _using(space, body)
    prefix = "" if where == "query" else f"{where}."
    prefetches = _prefetches(space, body.get("prefetch"), lookup, f"{prefix}prefetch")
    query, exclude, nearest = _scoring(space, body.get("query"), using, lookup, f"{prefix}query")
    if prefetches and query is None:
        raise bad_request(MERGE_NEEDS_QUERY)
    if body.get("score_threshold") is not None and query is None:
        raise bad_request(THRESHOLD_NEEDS_QUERY)
    return Parsed(query, exclude, prefetches, nearest)


def legacy_vector(space: Space, raw: Any) -> Any:
    """The older search API's ``vector``: ``[..]`` or ``{"name", "vector"}`` (dense or sparse): a ``qe.Query``."""
    if isinstance(raw, dict) and "name" in raw:
        name = raw.get("name")
        if not isinstance(name, str):
            raise bad_request("vector.name must be a string")
        return qe.Query.Nearest(space.value(name, raw.get("vector"), "vector.vector", keyed=False), using=name or None)
    if isinstance(raw, dict) and "vector" in raw:
        raw = raw["vector"]
    return qe.Query.Nearest(space.value(UNNAMED, raw, "vector"))
