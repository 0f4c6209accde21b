"""Collection and point endpoints: Qdrant's paths, bodies and envelopes over qdrant_edge.

Each handler takes the shared :class:`State` and the :class:`Request` and returns a
:class:`Response`; bad input raises :class:`ApiError` (400/404/409), never a 500.
"""

from __future__ import annotations

from typing import Any, cast

import qdrant_edge as qe

from golive.sandbox import convert, options, queries, vectors
from golive.sandbox.edge_errors import edge_error
from golive.sandbox.engine import SCHEMA_TYPES, Collection, parse_create, parse_update
from golive.sandbox.facets import schema_params
from golive.sandbox.protocol import ApiError, Request, Response, bad_request, ok
from golive.sandbox.state import State


def _collection(s: State, r: Request) -> Collection:
    return s.store.get(r.params["name"])


def _edge(fn: Any, *args: Any) -> Any:
    """Call into qdrant_edge, turning its input errors into Qdrant's 400 (a missing point: 404)."""
    try:
        return fn(*args)
    except Exception as exc:
        raise edge_error(exc) from None


def collection_info(s: State, c: Collection) -> dict[str, Any]:
    info = c.info()
    fault = s.faults.collection_fault(c.name)
    status = fault.get("status") or ("yellow" if c.optimizing or c.optimize_pending else "green")
    error = fault.get("optimizer_error") or c.optimizer_error
    cfg = c.config
    return {
        "status": status,
        "optimizer_status": {"error": error} if error else "ok",
        "indexed_vectors_count": info.indexed_vectors_count,
        "points_count": info.points_count,
        "segments_count": info.segments_count,
        "config": {
            "params": {
                **vectors.info_params(cfg),
                "shard_number": 1,
                "replication_factor": 1,
                "write_consistency_factor": 1,
                "on_disk_payload": cfg.get("on_disk_payload", True),
                **cfg.get("params", {}),  # the factors given at create / PATCH (one node: stored, as Qdrant does)
            },
            "hnsw_config": cfg["hnsw_config"],
            "optimizer_config": cfg["optimizers_config"],
            "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
            "quantization_config": None,
            **({"metadata": cfg["metadata"]} if cfg.get("metadata") else {}),
        },
        "payload_schema": {key: _index_info(idx) for key, idx in info.payload_schema.items()},
        "update_queue": {"length": c.queued_writes()},
    }


def _index_info(idx: Any) -> dict[str, Any]:
    """Qdrant's ``PayloadIndexInfo``: ``params`` only for an index created with them, as Qdrant shows it."""
    out: dict[str, Any] = {"data_type": str(idx.data_type).rsplit(".", 1)[-1].lower()}
    params = schema_params(idx.params)
    if params is not None:
        out["params"] = params
    out["points"] = idx.points
    return out


async def list_collections(s: State, r: Request) -> Response:
    return ok({"collections": [{"name": n} for n in s.store.names()]}, started=r.started)


async def get_collection(s: State, r: Request) -> Response:
    return ok(collection_info(s, _collection(s, r)), started=r.started)


async def list_aliases(s: State, r: Request) -> Response:
    """Aliases are not supported: there are none (``/aliases`` and ``/collections/{c}/aliases``)."""
    if "name" in r.params:
        _collection(s, r)
    return ok({"aliases": []}, started=r.started)


async def collection_exists(s: State, r: Request) -> Response:
    return ok({"exists": r.params["name"] in s.store.collections}, started=r.started)


async def create_collection(s: State, r: Request) -> Response:
    config = parse_create(r.json_object())
    await s.store.create(r.params["name"], config)
    return ok(True, started=r.started)


async def update_collection(s: State, r: Request) -> Response:
    """``PATCH /collections/{c}``: hnsw_config, optimizers_config and params.on_disk_payload."""
    c = _collection(s, r)
    await c.reconfigure(parse_update(c.config, r.json_object()))
    return ok(True, started=r.started)


async def delete_collection(s: State, r: Request) -> Response:
    return ok(await s.store.delete(r.params["name"]), started=r.started)


async def _apply(s: State, r: Request, c: Collection, op: qe.UpdateOperation) -> Response:
    wait = r.flag("wait", False)
    try:
        op_id, status = await c.update(op, wait=wait)
    except Exception as exc:  # e.g. set-payload on a missing point: Qdrant's 404
        raise edge_error(exc) from None
    # Qdrant answers 200 either way; only the result's status tells "acknowledged" from "completed".
    return ok({"operation_id": op_id, "status": status}, started=r.started)


def _points(body: dict[str, Any], c: Collection) -> list[qe.Point]:
    if "batch" in body:
        batch = body["batch"]
        if not isinstance(batch, dict) or not isinstance(batch.get("ids"), list):
            raise bad_request("batch must be {ids, vectors, payloads}")
        ids = batch["ids"]
        vecs = c.space.batch_vectors(batch.get("vectors"), len(ids))
        payloads = batch.get("payloads") or [None] * len(ids)
        if len(payloads) != len(ids):
            raise bad_request("batch ids, vectors and payloads must have the same length")
        raw: Any = [{"id": i, "vector": v, "payload": p} for i, v, p in zip(ids, vecs, payloads, strict=True)]
    else:
        raw = body.get("points")
        if not isinstance(raw, list):
            raise bad_request("missing field `points` (a list of {id, vector, payload})")
    out = []
    for n, point in enumerate(raw):
        if not isinstance(point, dict) or "id" not in point:
            raise bad_request("every point needs an id")
        payload = point.get("payload")
        if payload is not None and not isinstance(payload, dict):
            raise bad_request("payload must be an object")
        vec = c.space.point_vector(point.get("vector", point.get("vectors")), f"points[{n}].vector")
        out.append(qe.Point(convert.point_id(point["id"]), vec, payload))
    return out


async def upsert_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    points = _points(body, c)
    if s.faults.state["drop_writes"]:  # acknowledged as applied, never applied: a lost write
        return ok({"operation_id": c.next_operation_id(), "status": "completed"}, started=r.started)
    condition, mode = convert.to_filter(body.get("update_filter")), options.update_mode(body.get("update_mode"))
    return await _apply(s, r, c, qe.UpdateOperation.upsert_points(points, condition, mode))


def _selector(body: dict[str, Any]) -> tuple[list[qe.PointId] | None, qe.Filter | None]:
    if isinstance(body.get("points"), list):
        return [convert.point_id(i) for i in body["points"]], None
    if body.get("filter") is not None:
        return None, convert.to_filter(body["filter"])
    raise bad_request("give `points` (a list of ids) or `filter`")


def _operation(body: dict[str, Any], by_ids: Any, by_filter: Any, *args: Any) -> qe.UpdateOperation:
    """The update for the points ``body`` selects: ``by_ids(ids, *args)`` or ``by_filter(filter, *args)``."""
    ids, flt = _selector(body)
    if ids is not None:
        return cast(qe.UpdateOperation, by_ids(ids, *args))
    assert flt is not None
    return cast(qe.UpdateOperation, by_filter(flt, *args))


async def delete_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    U = qe.UpdateOperation
    return await _apply(s, r, c, _operation(r.json_object(), U.delete_points, U.delete_points_by_filter))


async def set_payload(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise bad_request("missing field `payload` (an object)")
    U = qe.UpdateOperation
    if r.method == "PUT":
        op = _operation(body, U.overwrite_payload, U.overwrite_payload_by_filter, payload, body.get("key"))
    else:
        op = _operation(body, U.set_payload, U.set_payload_by_filter, payload, body.get("key"))
    return await _apply(s, r, c, op)


async def delete_payload(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    keys = body.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise bad_request("missing field `keys` (a list of strings)")
    U = qe.UpdateOperation
    return await _apply(s, r, c, _operation(body, U.delete_payload, U.delete_payload_by_filter, keys))


async def clear_payload(s: State, r: Request) -> Response:
    c = _collection(s, r)
    U = qe.UpdateOperation
    return await _apply(s, r, c, _operation(r.json_object(), U.clear_payload, U.clear_payload_by_filter))


async def create_index(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    field, schema = body.get("field_name"), body.get("field_schema")
    if isinstance(schema, dict) and isinstance(field, str):  # with parameters (tokenizer, is_tenant, ...)
        return await _apply(s, r, c, qe.UpdateOperation.create_field_index(field, options.index_schema(schema)))
    if not isinstance(field, str) or schema not in SCHEMA_TYPES:
        raise bad_request(f"give field_name and field_schema, one of {sorted(SCHEMA_TYPES)}")
    return await _apply(s, r, c, qe.UpdateOperation.create_field_index(field, SCHEMA_TYPES[schema]))


async def delete_index(s: State, r: Request) -> Response:
    c = _collection(s, r)
    return await _apply(s, r, c, qe.UpdateOperation.delete_field_index(r.params["field"]))


async def retrieve_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    if not isinstance(body.get("ids"), list):
        raise bad_request("missing field `ids` (a list of point ids)")
    ids = [convert.point_id(i) for i in body["ids"]]
    wp = convert.with_payload(body.get("with_payload"), True)
    wv = _with_vector(c, body)
    records = _edge(c.shard.retrieve, ids, wp, wv)
    return ok([convert.record(x) for x in records], started=r.started)


async def get_point(s: State, r: Request) -> Response:
    c = _collection(s, r)
    raw = r.params["id"]
    pid = convert.point_id(int(raw) if raw.isdigit() else raw)
    records = _edge(c.shard.retrieve, [pid], True, True)
    if not records:
        raise ApiError(404, f"Not found: No point with id {raw} found")
    return ok(convert.record(records[0]), started=r.started)


def _with_vector(c: Collection, body: dict[str, Any]) -> Any:
    raw = body.get("with_vector", body.get("with_vectors"))
    if c.space.plain:
        return convert.with_vector(raw, False)
    return vectors.with_vector(c.space, raw)


def _stored_vector(c: Collection, pid: qe.PointId, using: str) -> Any:
    """The vector ``using`` of point ``pid`` (a query by point id); Qdrant's 404 when the point has none."""
    records = _edge(c.shard.retrieve, [pid], False, True if c.space.plain else [using])
    vec = records[0].vector if records else None
    if isinstance(vec, dict):
        vec = vec.get(using)
    if vec is None:
        raise ApiError(404, f"Not found: No point with id {convert.id_out(pid)} found")
    return vec if isinstance(vec, qe.SparseVector) else list(vec)


def _query_vector(c: Collection, query: Any) -> tuple[list[float] | None, qe.PointId | None]:
    """(vector, id to exclude) for a REST ``query`` on a plain collection: a vector, {nearest}, or a point id."""
    if query is None:
        return None, None
    if isinstance(query, dict) and "nearest" in query:
        query = query["nearest"]
    if isinstance(query, list):
        return convert.vector(query, c.space.dense[""]), None
    if isinstance(query, int | str) and not isinstance(query, bool):
        pid = convert.point_id(query)
        return _stored_vector(c, pid, ""), pid
    raise bad_request("query must be a vector, {nearest: vector} or a point id")


def _scoring(c: Collection, body: dict[str, Any], legacy: bool) -> tuple[Any, qe.PointId | None, Any, bool]:
    """(scoring query, id to exclude, prefetches, nearest?) of a query or search request."""
    if legacy:
        if body.get("limit", body.get("top")) is None:  # Qdrant's SearchRequest has no default limit
            raise bad_request("Json deserialize error: missing field `limit`")
        raw = body.get("vector")
        if raw is None:
            raise bad_request("missing field `vector`")
        if c.space.plain and not (isinstance(raw, dict) and "name" in raw):
            if isinstance(raw, dict) and "vector" in raw:
                raw = raw["vector"]
            return qe.Query.Nearest(convert.vector(raw, c.space.dense[""])), None, None, True
        return queries.legacy_vector(c.space, raw), None, None, True
    scoring = options.scoring(body.get("query"))  # order_by / sample: no vector
    if scoring is not None:
        return scoring, None, None, False
    if c.space.plain and "using" not in body and "prefetch" not in body:  # the hot path, as before named vectors
        vec, exclude = _query_vector(c, body.get("query"))
        if vec is None:
            return None, exclude, None, False
        limit = convert.positive_int(body.get("limit"), "limit", 10)
        return options.mmr(body.get("query"), vec, limit) or qe.Query.Nearest(vec), exclude, None, True
    if isinstance(body.get("query"), dict) and body["query"].get("mmr") is not None:  # never dropped silently
        raise bad_request("`query.mmr` is not supported by the golive sandbox on named or sparse vectors")
    parsed = queries.parse(c.space, body, lambda pid, using: _stored_vector(c, pid, using))
    return parsed.query, parsed.exclude, parsed.prefetches, parsed.nearest


def _query_request(c: Collection, body: Any, *, legacy: bool, skip: Any = None) -> qe.QueryRequest:
    if not isinstance(body, dict):
        raise bad_request("each request must be an object")
    query, exclude, prefetches, nearest = _scoring(c, body, legacy)
    flt = convert.to_filter(body.get("filter"))
    if exclude is not None:
        flt = qe.Filter(must=[flt] if flt else None, must_not=[qe.HasIdCondition({exclude})])
    threshold = body.get("score_threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)):
        raise bad_request("score_threshold must be a number")
    limit = convert.positive_int(body.get("limit", body.get("top")), "limit", 10)
    offset = convert.positive_int(body.get("offset"), "offset", 0)
    params = convert.search_params(body.get("params"))
    if skip is not None and nearest and not (params and params.exact):  # the search_recall fault
        offset += skip(c.name, limit)
    return qe.QueryRequest(
        limit=limit,
        offset=offset or None,
        query=query,
        prefetches=prefetches,
        filter=flt,
        params=params,
        with_payload=convert.with_payload(body.get("with_payload"), False),
        with_vector=_with_vector(c, body),
        score_threshold=float(threshold) if threshold is not None else None,
    )


async def query_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    found = _edge(c.shard.query, _query_request(c, r.json_object(), legacy=False, skip=_skip(s)))
    return ok({"points": [convert.scored(p) for p in found]}, started=r.started)


async def search_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    found = _edge(c.shard.query, _query_request(c, r.json_object(), legacy=True, skip=_skip(s)))
    return ok([convert.scored(p) for p in found], started=r.started)


def _skip(s: State) -> Any:
    """The ``search_recall`` fault's hook, or None when no collection has it (the hot path stays as it was)."""
    return s.faults.search_skip if s.faults.state["search_recall"] else None


def _batch(s: State, c: Collection, body: dict[str, Any], key: str, legacy: bool) -> list[list[qe.ScoredPoint]]:
    requests = body.get(key)
    if not isinstance(requests, list):
        raise bad_request(f"missing field `{key}` (a list of requests)")
    if not requests:
        return []
    batch = qe.QueryBatchRequest([_query_request(c, q, legacy=legacy, skip=_skip(s)) for q in requests])
    result: list[list[qe.ScoredPoint]] = _edge(c.shard.query_batch, batch)
    return result


async def query_batch(s: State, r: Request) -> Response:
    c = _collection(s, r)
    results = _batch(s, c, r.json_object(), "searches", legacy=False)
    return ok([{"points": [convert.scored(p) for p in res]} for res in results], started=r.started)


async def search_batch(s: State, r: Request) -> Response:
    c = _collection(s, r)
    results = _batch(s, c, r.json_object(), "searches", legacy=True)
    return ok([[convert.scored(p) for p in res] for res in results], started=r.started)


async def scroll_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    offset = body.get("offset")
    request = qe.ScrollRequest(
        offset=convert.point_id(offset) if offset is not None else None,
        limit=convert.positive_int(body.get("limit"), "limit", 10),
        filter=convert.to_filter(body.get("filter")),
        with_payload=convert.with_payload(body.get("with_payload"), True),
        with_vector=_with_vector(c, body),
        order_by=options.order_by(body.get("order_by")),
    )
    records, next_offset = _edge(c.shard.scroll, request)
    return ok(
        {
            "points": [convert.record(x) for x in records],
            "next_page_offset": convert.id_out(next_offset) if next_offset is not None else None,
        },
        started=r.started,
    )


async def count_points(s: State, r: Request) -> Response:
    c = _collection(s, r)
    body = r.json_object()
    request = qe.CountRequest(exact=bool(body.get("exact", True)), filter=convert.to_filter(body.get("filter")))
    return ok({"count": _edge(c.shard.count, request)}, started=r.started)
