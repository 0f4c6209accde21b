"""Translate Qdrant REST JSON into qdrant_edge objects and edge results back into REST JSON.

>>> to_filter({"must": [{"key": "lang", "match": {"value": "en"}}]})  # doctest: +ELLIPSIS
Filter(...)
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import qdrant_edge as qe

from golive.sandbox import conditions
from golive.sandbox.protocol import ApiError, bad_input, bad_request

DISTANCES: dict[str, qe.Distance] = {
    "Cosine": qe.Distance.Cosine,
    "Dot": qe.Distance.Dot,
    "Euclid": qe.Distance.Euclid,
    "Manhattan": qe.Distance.Manhattan,
}


_NUMBER_TYPES = frozenset({float, int})
MAX_POINT_ID = 2**64 - 1
MAX_COUNT = 2**32  # limits, offsets, hnsw_ef
UNTAGGED_RANGE = "data did not match any variant of untagged enum RangeInterface"


def point_id(value: Any) -> qe.PointId:
    """A REST point id: an unsigned integer or a UUID string (normalised to its canonical form)."""
    if isinstance(value, bool):
        raise bad_request(f"Unable to parse point id: {value!r}")
    if isinstance(value, int):
        if not 0 <= value <= MAX_POINT_ID:
            raise bad_request(f"Unable to parse point id: {value} (must be an unsigned 64-bit integer or UUID)")
        return value
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise bad_request(f"Unable to parse UUID: {value}") from None
    raise bad_request(f"Unable to parse point id: {value!r}")


def id_out(value: Any) -> int | str:
    """An edge point id as REST JSON."""
    return value if isinstance(value, int) else str(value)


def vector(value: Any, size: int) -> list[float]:
    """A dense vector of ``size`` floats; Qdrant's wording for a wrong dimension.

    On the search hot path: type and finiteness are checked with C-level ``map``/``sum``.
    """
    if isinstance(value, dict) and "" in value:
        value = value[""]
    if not isinstance(value, list) or not set(map(type, value)) <= _NUMBER_TYPES:
        raise bad_request("vector must be a list of numbers")
    if len(value) != size:
        raise bad_request_dim(size, len(value))
    if not math.isfinite(sum(value)):
        raise bad_request("vector contains NaN or infinity")
    return value


def bad_request_dim(expected: int, got: int) -> Exception:
    """Qdrant's exact wording for a vector of the wrong size."""
    return bad_input(f"Vector dimension error: expected dim: {expected}, got {got}")


#: Text-like matches of Qdrant 1.19, each a qdrant-edge class taking one string.
TEXT_MATCHES: dict[str, Any] = {
    "text": qe.MatchText,
    "text_any": qe.MatchTextAny,
    "phrase": qe.MatchPhrase,
    "prefix": qe.MatchPrefix,
    "substring": qe.MatchSubstring,
}


def _match(key: str, match: Any) -> Any:
    if not isinstance(match, dict):
        raise bad_request(f"match on `{key}` must be an object")
    if "value" in match:
        value = match["value"]
        if not isinstance(value, str | int | bool):
            raise bad_request(f"match.value on `{key}` must be a string, integer or boolean")
        return qe.MatchValue(value)
    if "any" in match:
        return qe.MatchAny(_values(key, match["any"]))
    if "except" in match:
        return qe.MatchExcept(_values(key, match["except"]))
    for name, cls in TEXT_MATCHES.items():
        if name in match:
            if not isinstance(match[name], str):
                raise bad_request(f"match.{name} on `{key}` must be a string")
            return cls(match[name])
    raise bad_request(f"unsupported match on `{key}`: {sorted(match)}")


def _values(key: str, values: Any) -> list[str] | list[int]:
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return [str(v) for v in values]
    if isinstance(values, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return [int(v) for v in values]
    raise bad_request(f"match.any / match.except on `{key}` must be a list of strings or of integers")


def _range(key: str, rng: Any) -> Any:
    if not isinstance(rng, dict) or not set(rng) <= {"gt", "gte", "lt", "lte"}:
        raise bad_request(f"range on `{key}` takes gt, gte, lt, lte")
    bounds = {k: v for k, v in rng.items() if v is not None}
    if all(isinstance(v, str) for v in bounds.values()) and bounds:
        try:
            return qe.RangeDateTime(**bounds)
        except ValueError:  # serde's text when neither a number nor an RFC 3339 datetime parses
            raise ApiError(400, f"Format error in JSON body: {UNTAGGED_RANGE}") from None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds.values()):
        raise bad_request(f"range bounds on `{key}` must be numbers (or all datetime strings)")
    return qe.RangeFloat(**{k: float(v) for k, v in bounds.items()})


def condition(cond: Any) -> Any:
    """One REST condition as a qdrant_edge condition."""
    if not isinstance(cond, dict):
        raise bad_request("a filter condition must be an object")
    if "key" in cond:
        key = cond["key"]
        if not isinstance(key, str):
            raise bad_request("condition key must be a string")
        given = conditions.parts(key, cond)  # all parts in one FieldCondition, evaluated by Qdrant's segment code
        if cond.get("match") is not None:
            given["match"] = _match(key, cond["match"])
        if cond.get("range") is not None:
            given["range"] = _range(key, cond["range"])
        if not given:
            raise bad_request(f"condition on `{key}` needs match, range, geo_*, values_count, is_empty or is_null")
        return qe.FieldCondition(key=key, **given)
    if "has_id" in cond:
        ids = cond["has_id"]
        if not isinstance(ids, list):
            raise bad_request("has_id must be a list of point ids")
        return qe.HasIdCondition({point_id(i) for i in ids})
    if "is_empty" in cond:
        return qe.IsEmptyCondition(key=_key_of(cond["is_empty"]))
    if "is_null" in cond:
        return qe.IsNullCondition(key=_key_of(cond["is_null"]))
    if "nested" in cond:
        nested = cond["nested"]
        if not isinstance(nested, dict) or not isinstance(nested.get("key"), str):
            raise bad_request("nested takes {key, filter}")
        return qe.NestedCondition(key=nested["key"], filter=to_filter(nested.get("filter")) or qe.Filter())
    if "has_vector" in cond:
        if not isinstance(cond["has_vector"], str):
            raise bad_request("has_vector takes a vector name")
        return qe.HasVectorCondition(cond["has_vector"])
    if "filter" in cond:
        return to_filter(cond["filter"])
    if {"must", "should", "must_not", "min_should"} & set(cond):
        return to_filter(cond)
    raise bad_request(f"unsupported filter condition: {sorted(cond)}")


def _key_of(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("key"), str):
        return str(value["key"])
    raise bad_request('is_empty / is_null take {"key": ...}')


def _clause(data: dict[str, Any], name: str) -> list[Any] | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise bad_request(f"filter.{name} must be a list of conditions")
    return [condition(c) for c in value]


def to_filter(data: Any) -> qe.Filter | None:
    """A REST filter (must / should / must_not / min_should) as a qdrant_edge ``Filter``."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise bad_request("filter must be an object")
    unknown = set(data) - {"must", "should", "must_not", "min_should"}
    if unknown:
        raise bad_request(f"unknown filter fields: {sorted(unknown)}")
    min_should = None
    if data.get("min_should") is not None:
        ms = data["min_should"]
        if not isinstance(ms, dict) or not isinstance(ms.get("min_count"), int):
            raise bad_request("min_should takes {conditions: [...], min_count: N}")
        min_should = qe.MinShould([condition(c) for c in ms.get("conditions", [])], ms["min_count"])
    return qe.Filter(
        must=_clause(data, "must"),
        should=_clause(data, "should"),
        must_not=_clause(data, "must_not"),
        min_should=min_should,
    )


def with_payload(value: Any, default: bool) -> Any:
    """REST ``with_payload`` (bool, list of keys, {include}/{exclude}) for qdrant_edge."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return qe.PayloadSelector.Include(list(value))
    if isinstance(value, dict):
        if isinstance(value.get("include"), list):
            return qe.PayloadSelector.Include([str(k) for k in value["include"]])
        if isinstance(value.get("exclude"), list):
            return qe.PayloadSelector.Exclude([str(k) for k in value["exclude"]])
    raise bad_request("with_payload must be a boolean, a list of keys or {include|exclude: [...]}")


def with_vector(value: Any, default: bool = False) -> bool:
    """REST ``with_vector``/``with_vectors`` of a collection with only the unnamed vector: a boolean."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return "" in value or len(value) > 0
    raise bad_request("with_vector must be a boolean or a list of vector names")


def _vector_out(value: Any) -> Any:
    """The unnamed vector as a list; named vectors as a map, a sparse one as ``{indices, values}``."""
    if not isinstance(value, dict):
        return value
    if set(value) == {""}:
        return value[""]
    return {
        n: {"indices": v.indices, "values": v.values} if isinstance(v, qe.SparseVector) else v for n, v in value.items()
    }


def scored(point: qe.ScoredPoint) -> dict[str, Any]:
    """An edge ``ScoredPoint`` as REST JSON."""
    return {
        "id": id_out(point.id),
        "version": point.version,
        "score": point.score,
        "payload": point.payload,
        "vector": _vector_out(point.vector),
        "shard_key": None,
        "order_value": point.order_value,
    }


def record(rec: qe.Record) -> dict[str, Any]:
    """An edge ``Record`` as REST JSON."""
    return {
        "id": id_out(rec.id),
        "payload": rec.payload,
        "vector": _vector_out(rec.vector),
        "shard_key": None,
        "order_value": rec.order_value,
    }


def positive_int(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise bad_request(f"{name} must be an integer between 0 and {MAX_COUNT}")
    return value


def search_params(value: Any) -> qe.SearchParams | None:
    """REST ``params`` ({hnsw_ef, exact, indexed_only}) for qdrant_edge."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("params must be an object")
    hnsw_ef = value.get("hnsw_ef")
    if hnsw_ef is not None:
        hnsw_ef = positive_int(hnsw_ef, "params.hnsw_ef", 0)
    quantization = _known(value.get("quantization"), ("ignore", "rescore", "oversampling"))  # types: validation
    acorn = _known(value.get("acorn"), ("enable", "max_selectivity"))
    return qe.SearchParams(
        hnsw_ef=hnsw_ef,
        exact=bool(value.get("exact", False)),
        indexed_only=bool(value.get("indexed_only", False)),
        quantization=qe.QuantizationSearchParams(**quantization) if quantization is not None else None,
        acorn=qe.AcornSearchParams(**acorn) if acorn is not None else None,
        idf=_idf(value.get("idf")),
    )


def _idf(value: Any) -> qe.IdfParams | None:
    """REST ``params.idf``: ``"global"`` or ``{corpus: filter}`` (IDF of sparse vectors over that corpus)."""
    if isinstance(value, dict):
        return qe.IdfParams(corpus=to_filter(value.get("corpus")))
    return qe.IdfParams() if value == "global" else None


def _known(value: Any, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The given ``keys`` of an object (None when it is not one)."""
    if not isinstance(value, dict):
        return None
    return {k: value[k] for k in keys if value.get(k) is not None}
