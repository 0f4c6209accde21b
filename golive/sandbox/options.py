"""Request options the sandbox passes on to qdrant-edge: update modes, ordering, MMR, index parameters.

Qdrant's REST shapes in, qdrant_edge objects out; :mod:`golive.sandbox.validation` has already refused
what the sandbox cannot honour and checked the numbers, so these only translate.

    >>> order_by({"key": "price", "direction": "desc"}).key
    'price'
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from golive.sandbox.protocol import bad_request
from golive.sandbox.validation import INDEX_PARAMS

UPDATE_MODES = {
    "upsert": qe.UpdateMode.Upsert,
    "insert_only": qe.UpdateMode.InsertOnly,
    "update_only": qe.UpdateMode.UpdateOnly,
}
DIRECTIONS = {"asc": qe.Direction.Asc, "desc": qe.Direction.Desc}
TOKENIZERS = {
    "prefix": qe.TokenizerType.Prefix,
    "whitespace": qe.TokenizerType.Whitespace,
    "word": qe.TokenizerType.Word,
    "multilingual": qe.TokenizerType.Multilingual,
    "code": qe.TokenizerType.Code,
}
INDEX_CLASSES: dict[str, Any] = {
    "keyword": qe.KeywordIndexParams,
    "integer": qe.IntegerIndexParams,
    "float": qe.FloatIndexParams,
    "datetime": qe.DatetimeIndexParams,
    "uuid": qe.UuidIndexParams,
    "geo": qe.GeoIndexParams,
    "bool": qe.BoolIndexParams,
    "text": qe.TextIndexParams,
}
DEFAULT_MMR_DIVERSITY = 0.5  # Qdrant's default; qdrant-edge takes lambda = 1 - diversity


def update_mode(value: Any) -> qe.UpdateMode | None:
    """REST ``update_mode`` (``upsert`` / ``insert_only`` / ``update_only``)."""
    return None if value is None else UPDATE_MODES[value]


def order_by(value: Any) -> qe.OrderBy | None:
    """REST ``order_by``: a key, or ``{key, direction, start_from}``."""
    if value is None:
        return None
    if isinstance(value, str):
        return qe.OrderBy(value)
    if not isinstance(value, dict) or not isinstance(value.get("key"), str):
        raise bad_request("order_by must be a key or {key, direction, start_from}")
    direction = value.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise bad_request(f"order_by.direction must be one of {sorted(DIRECTIONS)}")
    start = value.get("start_from")
    if start is not None and (isinstance(start, bool) or not isinstance(start, int | float | str)):
        raise bad_request("order_by.start_from must be a number or a datetime string")
    try:
        return qe.OrderBy(value["key"], DIRECTIONS.get(direction) if direction else None, start)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"order_by: {exc}") from None


def scoring(query: Any) -> qe.OrderBy | qe.Sample | None:
    """A query that scores without a vector: ``{"order_by": ...}`` or ``{"sample": "random"}``; else None."""
    if not isinstance(query, dict):
        return None
    if query.get("order_by") is not None:
        return order_by(query["order_by"])
    if "sample" in query:
        if query["sample"] != "random":
            raise bad_request("unknown variant in query.sample, expected `random`")
        return qe.Sample.Random
    return None


def mmr(query: Any, vector: list[float], limit: int) -> qe.Mmr | None:
    """The ``{"nearest": v, "mmr": {diversity, candidates_limit}}`` query as qdrant-edge's ``Mmr``, else None."""
    if not isinstance(query, dict) or query.get("mmr") is None:
        return None
    options = query["mmr"]
    if not isinstance(options, dict):
        raise bad_request("query.mmr must be {diversity, candidates_limit}")
    diversity = options.get("diversity")
    diversity = DEFAULT_MMR_DIVERSITY if diversity is None else float(diversity)
    candidates = options.get("candidates_limit")
    return qe.Mmr(vector, 1.0 - diversity, limit if candidates is None else int(candidates))


def index_schema(schema: Any) -> Any:
    """``field_schema`` with parameters (``{"type": "text", "tokenizer": "prefix", ...}``) for qdrant-edge."""
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in INDEX_CLASSES:
        raise bad_request(f"field_schema.type must be one of {sorted(INDEX_CLASSES)}")
    kwargs = {k: schema[k] for k in INDEX_PARAMS[kind] if schema.get(k) is not None}
    if "tokenizer" in kwargs:
        kwargs["tokenizer"] = TOKENIZERS[kwargs["tokenizer"]]
    try:
        return INDEX_CLASSES[kind](**kwargs)
    except (TypeError, ValueError, OverflowError) as exc:
        raise bad_request(f"field_schema: {exc}") from None
