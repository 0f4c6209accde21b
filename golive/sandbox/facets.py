"""``POST /collections/{c}/facet`` through qdrant-edge's facet, and payload-index params as Qdrant shows them.

>>> await facet(state, request)  # doctest: +SKIP
Response(200, b'{"result":{"hits":[{"value":"news","count":12}]},...')
"""

from __future__ import annotations

import enum
from typing import Any

import qdrant_edge as qe

from golive.sandbox import convert
from golive.sandbox.protocol import ApiError, Request, Response, bad_request, ok
from golive.sandbox.state import State

FACET_FIELDS = {"key", "limit", "filter", "exact", "shard_key"}


async def facet(s: State, r: Request) -> Response:
    """Counts of the values of an indexed payload key: Qdrant's ``FacetRequest`` / ``FacetResponse``."""
    c = s.store.get(r.params["name"])
    body = r.json_object()
    unknown = sorted(set(body) - FACET_FIELDS)
    if unknown:
        expected = ", ".join(sorted(FACET_FIELDS))
        raise bad_request(f"Json deserialize error: unknown field `{unknown[0]}`, expected one of {expected}")
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise bad_request("Json deserialize error: missing field `key` (a payload key)")
    limit = convert.positive_int(body.get("limit"), "limit", 10)
    if limit < 1:
        raise ApiError(422, "Validation error in JSON body: [limit: value 0 invalid, must be 1 or more]")
    exact = body.get("exact", False)
    if not isinstance(exact, bool):
        raise bad_request("exact must be a boolean")
    flt = convert.to_filter(body.get("filter"))
    try:  # qdrant-edge refuses an invalid JSON path (`a[`) when the request is built, and a key without a
        found = c.shard.facet(qe.FacetRequest(key, limit=limit, exact=exact, filter=flt))  # suitable index
    except Exception as exc:
        raise bad_request(str(exc)) from None
    hits = [{"value": hit.value, "count": hit.count} for hit in found.hits]
    return ok({"hits": hits}, started=r.started)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return str(value.name).lower()
    text = str(value)
    return text.rsplit(".", 1)[-1].lower() if "." in text and " " not in text else schema_params(value)


def schema_params(params: Any) -> dict[str, Any] | None:
    """qdrant-edge's payload index params object as Qdrant's JSON (``{"type": "keyword", "is_tenant": true}``)."""
    if params is None:
        return None
    out: dict[str, Any] = {}
    kind = type(params).__name__.removesuffix("IndexParams").lower()
    if kind:
        out["type"] = kind
    for name in dir(params):
        if name.startswith("_"):
            continue
        value = getattr(params, name)
        if callable(value):
            continue
        value = _plain(value)
        if value is not None:
            out[name] = value
    return out
