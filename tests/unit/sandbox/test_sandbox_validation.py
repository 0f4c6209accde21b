"""Request validation of the sandbox: Qdrant's 422 / 400 texts, and refusals that name the field."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from golive.sandbox import edge_errors, validation
from golive.sandbox.protocol import ApiError, Request

C = "/collections/{name}"
BODY_422 = "Validation error in JSON body: [{}]"
FORMAT_400 = "Format error in JSON body: {}"
MERGE_NEEDS_QUERY = "A query is needed to merge the prefetches. Can't have prefetches without defining a query."
THRESHOLD_NEEDS_QUERY = (
    "A query is needed to use the score_threshold. Can't have score_threshold without defining a query."
)


def v422(field: str, message: str) -> tuple[int, str]:
    return 422, BODY_422.format(f"{field}: {message}")


def min_1(field: str, value: int = 0, minimum: int = 1) -> tuple[int, str]:
    return v422(field, f"value {value} invalid, must be {minimum} or larger")


def f400(message: str) -> tuple[int, str]:
    return 400, FORMAT_400.format(message)


def answer(method: str, template: str, body: Any, name: str = "c", query: bytes = b"") -> tuple[int, str] | None:
    """(status, error text) the checks give before the handler, or None when they pass the request on."""
    r = Request(method, "/", query, {}, orjson.dumps(body))
    r.params = {"name": name}
    try:
        validation.check(r, template)
    except ApiError as exc:
        return exc.status, exc.message
    return None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"shard_number": 0}, min_1("shard_number")),
        ({"replication_factor": 0}, min_1("replication_factor")),
        ({"write_consistency_factor": 0}, min_1("write_consistency_factor")),
        ({"shard_number": -1}, f400("invalid value: integer `-1`, expected u32")),
        ({"replication_factor": -1}, f400("invalid value: integer `-1`, expected u32")),
        ({"write_consistency_factor": "2"}, f400('invalid type: string "2", expected u32')),
        ({"shard_number": 2**32}, f400("invalid value: integer `4294967296`, expected u32")),
        ({"hnsw_config": {"ef_construct": 3}}, min_1("hnsw_config.ef_construct", 3, 4)),
        ({"hnsw_config": {"full_scan_threshold": 9}}, min_1("hnsw_config.full_scan_threshold", 9, 10)),
        ({"hnsw_config": {"m": 1.5}}, f400("invalid type: floating point `1.5`, expected usize")),
        (
            {"optimizers_config": {"deleted_threshold": 1.5}},
            v422("optimizers_config.deleted_threshold", "value 1.5 invalid, must be from 0.0 to 1.0"),
        ),
        (
            {"optimizers_config": {"vacuum_min_vector_number": 99}},
            min_1("optimizers_config.vacuum_min_vector_number", 99, 100),
        ),
        ({"wal_config": {"wal_capacity_mb": 0}}, min_1("wal_config.wal_capacity_mb")),
        ({"on_disk_payload": "yes"}, f400('invalid type: string "yes", expected a boolean')),
        ({"metadata": [1]}, f400("invalid type: sequence, expected a map")),
    ],
)  # fmt: skip
def test_create_collection_numbers_give_qdrants_texts(body: dict[str, Any], expected: tuple[int, str]) -> None:
    assert answer("PUT", C, body) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shard_number": 2}, "shard_number"),
        ({"sharding_method": "custom"}, "sharding_method"),
        ({"quantization_config": {"scalar": {"type": "int8"}}}, "quantization_config"),
        ({"strict_mode_config": {"enabled": True}}, "strict_mode_config"),
        ({"wal_config": {"wal_capacity_mb": 64}}, "wal_config.wal_capacity_mb"),
        ({"wal_config": {"wal_retain_closed": 2}}, "wal_config.wal_retain_closed"),
        ({"hnsw_config": {"inline_storage": True}}, "hnsw_config.inline_storage"),
        ({"optimizers_config": {"flush_interval_sec": 1}}, "optimizers_config.flush_interval_sec"),
        ({"optimizers_config": {"memmap_threshold": 1000}}, "optimizers_config.memmap_threshold"),
        ({"payload": {"storage_type": "mmap"}}, "payload"),
        ({"id_tracker": {}}, "id_tracker"),
    ],
)
def test_create_collection_refuses_what_the_sandbox_cannot_honour(body: dict[str, Any], field: str) -> None:
    status, text = answer("PUT", C, body) or (0, "")
    assert (status, text) == (400, f"Bad request: `{field}` is not supported by the golive sandbox ({text_why(text)})")


def text_why(text: str) -> str:
    return text.rsplit("(", 1)[-1].rstrip(")")


def test_create_collection_takes_defaults_and_one_shard() -> None:
    body = {"shard_number": 1, "replication_factor": 3, "write_consistency_factor": 2, "sharding_method": "auto",
            "wal_config": {"wal_capacity_mb": 32}, "optimizers_config": {"flush_interval_sec": 5},
            "metadata": {"team": "search"}}  # fmt: skip
    assert answer("PUT", C, body) is None


def test_update_collection_params_and_refusals() -> None:
    assert answer("PATCH", C, {"params": {"replication_factor": 0}}) == (
        422,
        "Validation error in JSON body: [params.replication_factor: value 0 invalid, must be 1 or larger]",
    )
    assert answer("PATCH", C, {"params": {"payload": {}}})[1].startswith("Bad request: `params.payload` is not")  # type: ignore[index]
    assert answer("PATCH", C, {"params": {"replication_factor": 2, "read_fan_out_factor": 1}}) is None
    assert answer("PATCH", C, {"optimizers_config": {"max_optimization_threads": "auto"}}) is None
    assert answer("PATCH", C, {"optimizers_config": {"max_optimization_threads": "all"}}) == f400(
        'invalid type: string "all", expected usize'
    )


@pytest.mark.parametrize(
    ("template", "body", "expected"),
    [
        ("/points/query", {"limit": 0}, min_1("internal.limit")),
        ("/points/query", {"limit": -3}, f400("invalid value: integer `-3`, expected usize")),
        ("/points/search", {"vector": [1], "limit": 0}, min_1("search_request.limit")),
        ("/points/scroll", {"limit": 0}, min_1("scroll_request.limit")),
        ("/points/query/batch", {"searches": [{}, {"limit": 0}]}, min_1("searches[1].internal.limit")),
        ("/points/search/batch", {"searches": [{"limit": 0}]}, min_1("searches[0].search_request.limit")),
        (
            "/points/query",
            {"query": [1], "params": {"quantization": {"oversampling": 0.5}}},
            v422("internal.params.quantization.oversampling", "value 0.5 invalid, must be 1.0 or larger"),
        ),
        (
            "/points/query",
            {"query": [1], "params": {"acorn": {"max_selectivity": 2}}},
            v422("internal.params.acorn.max_selectivity", "value 2 invalid, must be from 0.0 to 1.0"),
        ),
        (
            "/points/query",
            {"query": {"nearest": [1], "mmr": {"diversity": 1.5}}},
            v422("internal.query.mmr.diversity", "value 1.5 invalid, must be from 0.0 to 1.0"),
        ),
        (
            "/points/query",
            {"prefetch": [{"query": [1]}]},
            (400, "Bad request: " + MERGE_NEEDS_QUERY),
        ),
        (
            "/points/query",
            {"score_threshold": 0.5},
            (400, "Bad request: " + THRESHOLD_NEEDS_QUERY),
        ),
        (
            "/points/query",
            {"query": {"order_by": "k"}, "score_threshold": 1},
            (400, "Bad request: Can't use score_threshold with an order_by query."),
        ),
        (
            "/points",
            {"points": [], "update_mode": "replace"},
            f400("unknown variant `replace`, expected one of `upsert`, `insert_only`, `update_only`"),
        ),
        (
            "/index",
            {"field_name": "t", "field_schema": {"type": "text", "tokenizer": "ngram"}},
            f400("unknown variant `ngram`, expected one of `prefix`, `whitespace`, `word`, `multilingual`, `code`"),
        ),
        (
            "/snapshots/recover",
            {"location": "file:///x", "priority": "first"},
            f400("unknown variant `first`, expected one of `replica`, `snapshot`, `no_sync`"),
        ),
    ],
)  # fmt: skip
def test_point_requests_give_qdrants_texts(template: str, body: dict[str, Any], expected: tuple[int, str]) -> None:
    method = "PUT" if template in ("/points", "/index", "/snapshots/recover") else "POST"
    assert answer(method, C + template, body) == expected


@pytest.mark.parametrize(
    ("method", "template", "body", "field"),
    [
        ("POST", "/points/query", {"query": [1], "lookup_from": {"collection": "x"}}, "lookup_from"),
        ("POST", "/points/query", {"query": {"recommend": {"positive": [1]}}}, "query.recommend"),
        ("POST", "/points/query", {"query": {"formula": {"sum": []}}}, "query.formula"),
        ("POST", "/points/query", {"query": [1], "shard_key": "a"}, "shard_key"),
        ("POST", "/points/query/batch", {"searches": [{"query": {"discover": {}}}]}, "searches[0].query.discover"),
        ("PUT", "/points", {"points": [], "shard_key": "a"}, "shard_key"),
        ("POST", "/points/delete", {"points": [1], "shard_key": 1}, "shard_key"),
        ("POST", "/points/scroll", {"shard_key": "a"}, "shard_key"),
        ("POST", "/points/count", {"shard_key": "a"}, "shard_key"),
        (
            "PUT",
            "/index",
            {"field_name": "k", "field_schema": {"type": "keyword", "prefix": True}},
            "field_schema.prefix",
        ),
        ("PUT", "/index", {"field_name": "t", "field_schema": {"type": "text", "stemmer": {}}}, "field_schema.stemmer"),
        (
            "PUT",
            "/index",
            {"field_name": "t", "field_schema": {"type": "text", "memory": "disk"}},
            "field_schema.memory",
        ),
        ("PUT", "/snapshots/recover", {"location": "file:///x", "api_key": "k"}, "api_key"),
    ],
)  # fmt: skip
def test_point_requests_refuse_fields_by_name(method: str, template: str, body: dict[str, Any], field: str) -> None:
    status, text = answer(method, C + template, body) or (0, "")
    assert status == 400
    assert text.startswith(f"Bad request: `{field}` is not supported by the golive sandbox ("), text


def test_path_name_longer_than_255_is_qdrants_422() -> None:
    assert answer("GET", C, {}, name="a" * 255) is None
    status, text = answer("GET", C, {}, name="a" * 256) or (0, "")
    assert status == 422
    assert (
        text
        == f'Validation error in path parameters: [name: value "{"a" * 256}" invalid, must be from 1 to 255 characters]'
    )


def test_timeout_query_parameter_as_qdrant_reads_it() -> None:
    assert answer("POST", C + "/points/query", {}, query=b"timeout=5") is None
    assert answer("POST", C + "/points/query", {}, query=b"timeout=0") == (
        422,
        "Validation error in query parameters: [timeout: value 0 invalid, must be 1 or larger]",
    )
    assert answer("POST", C + "/points/query", {}, query=b"timeout=-5") == (
        400,
        "Deserialize error in query parameters: invalid digit found in string",
    )


@pytest.mark.parametrize("name", ["wait", "force", "per_collection", "anonymize"])
def test_boolean_query_parameters_are_true_or_false(name: str) -> None:
    for good in (b"true", b"false"):
        assert answer("PUT", C + "/points", {"points": []}, query=name.encode() + b"=" + good) is None
    for bad in (b"1", b"yes", b"True", b""):
        assert answer("PUT", C + "/points", {"points": []}, query=name.encode() + b"=" + bad) == (
            400,
            "Deserialize error in query parameters: provided string was not `true` or `false`",
        ), bad


def test_upload_priority_query_parameter() -> None:
    upload = C + "/snapshots/upload"
    assert answer("POST", upload, {}, query=b"priority=snapshot") is None
    assert answer("POST", upload, {}, query=b"priority=first") == (
        400,
        "Deserialize error in query parameters: unknown variant `first`, expected one of "
        "`replica`, `snapshot`, `no_sync`",
    )


def test_engine_errors_map_to_qdrants_codes() -> None:
    assert (
        edge_errors.edge_error(Exception("No point with id 7")).status,
        edge_errors.edge_error(Exception("No point with id 7")).message,
    ) == (404, "Not found: No point with id 7 found")
    uid = "5b6c2c7e-1c2f-4b0e-9d4f-1a2b3c4d5e6f"
    assert (
        edge_errors.edge_error(Exception(f"No point with id {uid}")).message
        == f"Not found: No point with id {uid} found"
    )
    assert edge_errors.edge_error(Exception("No range index for `order_by` key: `k`.")).status == 400
    assert edge_errors.edge_error(ValueError("odd")).message == "Wrong input: odd"
