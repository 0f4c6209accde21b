"""Request checks before a handler runs: Qdrant's validation texts, and no field accepted but ignored.

Qdrant deserializes a body with serde (a wrong type or a negative count is a 400 ``Format error in JSON
body: ...``), then runs its validators (422 ``Validation error in JSON body: [field: value 0 invalid, must
be 1 or larger]``), and ignores fields it does not know. The sandbox does the same for the fields it
serves, and answers every field Qdrant accepts that the sandbox cannot honour with a 400 naming it
(:func:`unsupported`), never a 200 with the field dropped.

    >>> try: create_collection({"shard_number": 0})
    ... except ApiError as e: print(e.status, e.message)
    422 Validation error in JSON body: [shard_number: value 0 invalid, must be 1 or larger]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive.sandbox.protocol import ApiError, Request, bad_request

C = "/collections/{name}"
MAX_NAME = 255  # Qdrant's CollectionPath: length(min = 1, max = 255)
U32 = 2**32 - 1
USIZE = 2**64 - 1
ONE_SHARD = "the golive sandbox keeps one local shard per collection"
WAL_FIXED = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}
UPDATE_MODES = ("upsert", "insert_only", "update_only")
#: Index parameters qdrant-edge takes as they are, per ``field_schema.type``; any other known one is refused.
INDEX_PARAMS: dict[str, tuple[str, ...]] = {
    "keyword": ("is_tenant", "on_disk", "enable_hnsw"),
    "integer": ("lookup", "range", "is_principal", "on_disk", "enable_hnsw"),
    "float": ("is_principal", "on_disk", "enable_hnsw"),
    "datetime": ("is_principal", "on_disk", "enable_hnsw"),
    "uuid": ("is_tenant", "on_disk", "enable_hnsw"),
    "geo": ("on_disk", "enable_hnsw"),
    "bool": ("on_disk", "enable_hnsw"),
    "text": ("tokenizer", "min_token_len", "max_token_len", "lowercase", "ascii_folding", "phrase_matching",
             "on_disk", "enable_hnsw"),
}  # fmt: skip
#: Index parameters Qdrant 1.19 accepts that the sandbox does not pass on.
INDEX_REFUSED = ("memory", "nested", "prefix", "stopwords", "stemmer", "scoring")
TOKENIZERS = ("prefix", "whitespace", "word", "multilingual", "code")


def unsupported(field: str, why: str) -> ApiError:
    """A 400 naming a field Qdrant accepts and the sandbox cannot honour."""
    return bad_request(f"`{field}` is not supported by the golive sandbox ({why})")


def invalid(field: str, message: str, where: str = "JSON body") -> ApiError:
    """Qdrant's 422 from its validators."""
    return ApiError(422, f"Validation error in {where}: [{field}: {message}]")


def format_error(message: str) -> ApiError:
    """Qdrant's 400 from serde (the sandbox leaves out serde's ``at line L column C``)."""
    return ApiError(400, f"Format error in JSON body: {message}")


def _serde_kind(value: Any) -> str:
    """serde_json's words for an unexpected JSON value."""
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def uint(value: Any, field: str, *, minimum: int = 0, kind: str = "usize") -> int | None:
    """An unsigned integer as serde and Qdrant's ``range(min = ...)`` validator take it."""
    if value is None:
        return None
    top = U32 if kind == "u32" else USIZE
    if isinstance(value, bool) or not isinstance(value, int):
        raise format_error(f"invalid type: {_serde_kind(value)}, expected {kind}")
    if not 0 <= value <= top:
        raise format_error(f"invalid value: integer `{value}`, expected {kind}")
    if value < minimum:
        raise invalid(field, f"value {value} invalid, must be {minimum} or larger")
    return value


def number(value: Any, field: str, low: float | None = None, high: float | None = None) -> float | None:
    """A float with Qdrant's ``range`` texts (``must be from 0.0 to 1.0``, ``must be 1.0 or larger``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise format_error(f"invalid type: {_serde_kind(value)}, expected f64")
    if (low is not None and value < low) or (high is not None and value > high):
        bound = f"must be from {low} to {high}" if low is not None and high is not None else f"must be {low} or larger"
        raise invalid(field, f"value {value} invalid, {bound}")
    return float(value)


def flag(value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise format_error(f"invalid type: {_serde_kind(value)}, expected a boolean")


def obj(value: Any, expected: str = "a map") -> dict[str, Any]:
    """``value`` as an object (None reads as empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise format_error(f"invalid type: {_serde_kind(value)}, expected {expected}")
    return value


def refuse(body: dict[str, Any], fields: dict[str, str], prefix: str = "") -> None:
    for name, why in fields.items():
        if body.get(name) is not None:
            raise unsupported(prefix + name, why)


def validate_path_name(params: dict[str, str]) -> None:
    """Qdrant's ``CollectionPath``: 1 to 255 characters, checked before anything else on the route."""
    name = params.get("name")
    if name is not None and not 1 <= len(name) <= MAX_NAME:
        shown = name.replace("\\", "\\\\").replace('"', '\\"')
        raise invalid("name", f'value "{shown}" invalid, must be from 1 to {MAX_NAME} characters', "path parameters")


# ------------------------------------------------------------------------------------------- collections


def hnsw(body: Any, prefix: str) -> None:
    h = obj(body)
    uint(h.get("m"), prefix + "m")
    uint(h.get("ef_construct"), prefix + "ef_construct", minimum=4)
    uint(h.get("full_scan_threshold"), prefix + "full_scan_threshold", minimum=10)
    uint(h.get("max_indexing_threads"), prefix + "max_indexing_threads")
    uint(h.get("payload_m"), prefix + "payload_m")
    flag(h.get("on_disk"))
    refuse(h, {"memory": "qdrant-edge keeps its own placement", "inline_storage": "no quantization"}, prefix)


def optimizers(body: Any, prefix: str) -> None:
    o = obj(body)
    number(o.get("deleted_threshold"), prefix + "deleted_threshold", 0.0, 1.0)
    uint(o.get("vacuum_min_vector_number"), prefix + "vacuum_min_vector_number", minimum=100)
    for key in ("default_segment_number", "max_segment_size", "memmap_threshold", "indexing_threshold"):
        uint(o.get(key), prefix + key)
    if o.get("max_optimization_threads") != "auto":  # a count, or "auto" (stored as null, as Qdrant shows it)
        uint(o.get("max_optimization_threads"), prefix + "max_optimization_threads")
    uint(o.get("flush_interval_sec"), prefix + "flush_interval_sec", kind="u64")
    flag(o.get("prevent_unoptimized"))
    current = {"memmap_threshold": None, "flush_interval_sec": 5}  # what every sandbox collection has
    for key, why in (("memmap_threshold", "qdrant-edge decides storage itself"),
                     ("flush_interval_sec", "qdrant-edge flushes on its own schedule")):  # fmt: skip
        if o.get(key) is not None and o[key] != current.get(key):
            raise unsupported(prefix + key, why)


def _factors(body: dict[str, Any], prefix: str = "") -> None:
    for key in ("replication_factor", "write_consistency_factor"):
        uint(body.get(key), prefix + key, minimum=1, kind="u32")


def create_collection(body: dict[str, Any]) -> None:
    if uint(body.get("shard_number"), "shard_number", minimum=1, kind="u32") not in (None, 1):
        raise unsupported("shard_number", ONE_SHARD)
    _factors(body)
    if body.get("sharding_method") not in (None, "auto"):
        raise unsupported("sharding_method", ONE_SHARD)
    flag(body.get("on_disk_payload"))
    hnsw(body.get("hnsw_config"), "hnsw_config.")
    optimizers(body.get("optimizers_config"), "optimizers_config.")
    wal = obj(body.get("wal_config"))
    uint(wal.get("wal_capacity_mb"), "wal_config.wal_capacity_mb", minimum=1)
    uint(wal.get("wal_segments_ahead"), "wal_config.wal_segments_ahead")
    for key, fixed in WAL_FIXED.items():
        if wal.get(key) is not None and wal[key] != fixed:
            raise unsupported(f"wal_config.{key}", f"the sandbox's WAL is fixed at {fixed}")
    refuse(wal, {"wal_retain_closed": "the sandbox's WAL is fixed"}, "wal_config.")
    obj(body.get("metadata"))
    refuse(body, {
        "quantization_config": "no quantization",
        "strict_mode_config": "no strict mode",
        "payload": "qdrant-edge keeps its own payload storage",
        "id_tracker": "qdrant-edge keeps its own id tracker",
        "init_from": "no collection copies",
    })  # fmt: skip


def update_collection(body: dict[str, Any]) -> None:
    params = obj(body.get("params"))
    _factors(params, "params.")
    uint(params.get("read_fan_out_factor"), "params.read_fan_out_factor", kind="u32")
    uint(params.get("read_fan_out_delay_ms"), "params.read_fan_out_delay_ms", kind="u64")
    flag(params.get("on_disk_payload"))
    refuse(params, {"payload": "qdrant-edge keeps its own payload storage",
                    "id_tracker": "qdrant-edge keeps its own id tracker"}, "params.")  # fmt: skip
    hnsw(body.get("hnsw_config"), "hnsw_config.")
    optimizers(body.get("optimizers_config"), "optimizers_config.")  # the stored values are the defaults
    obj(body.get("metadata"))  # vectors, sparse_vectors, quantization: refused by engine.parse_update


# -------------------------------------------------------------------------------------------- points

NO_SHARD_KEY = {"shard_key": "no custom sharding: " + ONE_SHARD}


def upsert(body: dict[str, Any]) -> None:
    refuse(body, NO_SHARD_KEY)
    mode = body.get("update_mode")
    if mode is not None and mode not in UPDATE_MODES:
        expected = ", ".join(f"`{m}`" for m in UPDATE_MODES)
        raise format_error(f"unknown variant {_variant(mode)}, expected one of {expected}")
    obj(body.get("update_filter"))


def selector(body: dict[str, Any]) -> None:
    refuse(body, NO_SHARD_KEY)
    if body.get("points") is not None and body.get("filter") is not None:  # the handlers would use only one
        raise unsupported("filter", "together with `points`: give one of them")


def set_payload(body: dict[str, Any]) -> None:
    selector(body)
    string(body.get("key"))


def string(value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise format_error(f"invalid type: {_serde_kind(value)}, expected a string")


def search_params(value: Any, prefix: str) -> None:
    p = obj(value)
    uint(p.get("hnsw_ef"), prefix + "hnsw_ef")
    flag(p.get("exact"))
    flag(p.get("indexed_only"))
    q = obj(p.get("quantization"))
    flag(q.get("ignore"))
    flag(q.get("rescore"))
    number(q.get("oversampling"), prefix + "quantization.oversampling", 1.0)
    a = obj(p.get("acorn"))
    flag(a.get("enable"))
    number(a.get("max_selectivity"), prefix + "acorn.max_selectivity", 0.0, 1.0)
    idf = p.get("idf")
    if idf is not None and idf != "global":
        obj(idf, "`global` or {corpus}")


#: Query variants of Qdrant 1.19 the sandbox does not run (nearest, mmr, order_by, sample and fusion it does).
QUERIES_REFUSED = dict.fromkeys(
    ("recommend", "discover", "context", "formula", "relevance_feedback"), "it runs nearest, mmr, order_by and sample"
)


def query(body: Any, prefix: str = "internal.") -> None:
    if not isinstance(body, dict):
        return  # the handler names the shape error
    refuse(body, NO_SHARD_KEY)
    uint(body.get("limit"), prefix + "limit", minimum=1)
    uint(body.get("offset"), prefix + "offset")
    search_params(body.get("params"), prefix + "params.")
    has_query = body.get("query") is not None
    if body.get("prefetch") and not has_query:
        raise bad_request("A query is needed to merge the prefetches. Can't have prefetches without defining a query.")
    if body.get("score_threshold") is not None and not has_query:
        raise bad_request(
            "A query is needed to use the score_threshold. Can't have score_threshold without defining a query."
        )
    refuse(body, {"lookup_from": "vectors are not looked up in other collections"})
    q = body.get("query")
    if isinstance(q, dict):
        if q.get("order_by") is not None and body.get("score_threshold") is not None:
            raise bad_request("Can't use score_threshold with an order_by query.")
        refuse(q, QUERIES_REFUSED, prefix.replace("internal.", "") + "query.")
    if isinstance(q, dict) and q.get("mmr") is not None:
        mmr = obj(q["mmr"])
        number(mmr.get("diversity"), prefix + "query.mmr.diversity", 0.0, 1.0)
        uint(mmr.get("candidates_limit"), prefix + "query.mmr.candidates_limit")


def search(body: Any, prefix: str = "search_request.") -> None:
    if not isinstance(body, dict):
        return
    refuse(body, NO_SHARD_KEY)
    uint(body.get("limit"), prefix + "limit", minimum=1)
    uint(body.get("offset"), prefix + "offset")
    search_params(body.get("params"), prefix + "params.")


def _batch(one: Callable[[Any, str], None], inner: str) -> Callable[[dict[str, Any]], None]:
    def check_batch(body: dict[str, Any]) -> None:
        searches = body.get("searches")
        if isinstance(searches, list):
            for i, request in enumerate(searches):
                one(request, f"searches[{i}].{inner}")

    return check_batch


def scroll(body: dict[str, Any]) -> None:
    refuse(body, NO_SHARD_KEY)
    uint(body.get("limit"), "scroll_request.limit", minimum=1)


def create_index(body: dict[str, Any]) -> None:
    string(body.get("field_name"))
    schema = body.get("field_schema")
    if schema is not None and not isinstance(schema, str | dict):
        raise format_error(f"invalid type: {_serde_kind(schema)}, expected a schema type or its parameters")
    if not isinstance(schema, dict):
        return  # a plain type name: the handler checks it
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in INDEX_PARAMS:
        return  # the handler names the unknown type
    refuse(schema, dict.fromkeys(INDEX_REFUSED, "qdrant-edge-py's index parameters in this sandbox"), "field_schema.")
    for key in ("min_token_len", "max_token_len"):
        uint(schema.get(key), f"field_schema.{key}")
    tokenizer = schema.get("tokenizer")
    if tokenizer is not None and tokenizer not in TOKENIZERS:
        expected = ", ".join(f"`{t}`" for t in TOKENIZERS)
        raise format_error(f"unknown variant {_variant(tokenizer)}, expected one of {expected}")


PRIORITIES = ("replica", "snapshot", "no_sync")


def recover(body: dict[str, Any]) -> None:
    priority = body.get("priority")
    if priority is not None and priority not in PRIORITIES:
        expected = ", ".join(f"`{p}`" for p in PRIORITIES)
        raise format_error(f"unknown variant {_variant(priority)}, expected one of {expected}")
    refuse(body, {"api_key": "it downloads snapshots from loopback without a key"})


def _variant(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str) else _serde_kind(value)


CHECKS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("PUT", C): create_collection,
    ("PATCH", C): update_collection,
    ("PUT", C + "/points"): upsert,
    ("POST", C + "/points"): lambda body: refuse(body, NO_SHARD_KEY),
    ("POST", C + "/points/delete"): selector,
    ("POST", C + "/points/payload"): set_payload,
    ("PUT", C + "/points/payload"): set_payload,
    ("POST", C + "/points/payload/delete"): selector,
    ("POST", C + "/points/payload/clear"): selector,
    ("POST", C + "/points/query"): query,
    ("POST", C + "/points/query/batch"): _batch(query, "internal."),
    ("POST", C + "/points/search"): search,
    ("POST", C + "/points/search/batch"): _batch(search, "search_request."),
    ("POST", C + "/points/scroll"): scroll,
    ("POST", C + "/points/count"): lambda body: refuse(body, NO_SHARD_KEY),
    ("PUT", C + "/index"): create_index,
    ("PUT", C + "/snapshots/recover"): recover,
}


def query_timeout(r: Request) -> None:
    """``?timeout=`` as Qdrant's query-parameter validation reads it (whole seconds, at least 1)."""
    if b"timeout" not in r.query_string:
        return
    raw = r.query.get("timeout")
    if raw is None:
        return
    if not raw.isdigit():
        why = "cannot parse integer from empty string" if raw == "" else "invalid digit found in string"
        raise ApiError(400, f"Deserialize error in query parameters: {why}")
    if int(raw) < 1:
        raise invalid("timeout", f"value {int(raw)} invalid, must be 1 or larger", "query parameters")


BOOL_QUERY = ("wait", "force", "per_collection", "anonymize")  # Qdrant's boolean query parameters


def query_flags(r: Request) -> None:
    """Boolean query parameters as serde reads them: ``true`` or ``false``, nothing else (``?wait=1`` is a 400)."""
    if not r.query_string:
        return
    for name in BOOL_QUERY:
        raw = r.query.get(name)
        if raw is not None and raw not in ("true", "false"):
            raise ApiError(400, "Deserialize error in query parameters: provided string was not `true` or `false`")


def check(r: Request, template: str) -> None:
    """Raise Qdrant's error for the request on this route before its handler runs (the body is parsed once)."""
    validate_path_name(r.params)
    query_timeout(r)
    query_flags(r)
    priority = r.query.get("priority") if template.endswith("/snapshots/upload") else None
    if priority is not None and priority not in PRIORITIES:
        expected = ", ".join(f"`{p}`" for p in PRIORITIES)
        why = f"unknown variant `{priority}`, expected one of {expected}"
        raise ApiError(400, f"Deserialize error in query parameters: {why}")
    checker = CHECKS.get((r.method, template))
    if checker is not None:
        body = r.json()
        if isinstance(body, dict):
            checker(body)
