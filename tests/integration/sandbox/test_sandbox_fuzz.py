"""Fuzzing the request bodies of every endpoint the sandbox serves: never a 500, every 4xx in Qdrant's envelope.

Hypothesis (derandomized, no example database) starts from a valid body per endpoint and mutates it: fields of
the endpoint's request model (qdrant-client's, Qdrant 1.19's) and nested keys set to arbitrary JSON, removed,
or the whole body replaced. One shared sandbox; the fuzz collection is re-seeded before each endpoint's run.
About 2,200 requests.
"""

from __future__ import annotations

import copy
import json
import math
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client import models

from golive.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.integration

EXAMPLES = 100  # per endpoint; 30 where each accepted body reopens or creates a shard (PUT, PATCH) or resets faults
SLOW = {"PUT /collections/{new}", "PATCH /collections/{c}", "PUT /__sandbox/faults"}
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
COLL = f"zfuzz_{uuid.uuid4().hex[:6]}"
VEC = [0.1, 0.2, 0.3, 0.4]
FILTER = {"must": [{"key": "k", "match": {"value": 1}}], "should": [{"key": "r", "range": {"gte": 1.5}}]}
POINTS = [{"id": i, "vector": [float(i), 1.0, 0.5, 0.25], "payload": {"k": i % 3, "r": i / 2, "t": f"w{i} x",
           "d": f"2024-01-0{1 + i % 9}T00:00:00Z"}} for i in range(1, 13)]  # fmt: skip


def fields(*model: type[Any]) -> list[str]:
    return sorted({name for m in model for name in m.model_fields})


#: method, path (``{c}``: the fuzz collection), a valid body, the request model's field names.
ENDPOINTS: list[tuple[str, str, Any, list[str]]] = [
    ("PUT", "/collections/{new}", {"vectors": {"size": 4, "distance": "Cosine"}, "hnsw_config": {"m": 8},
                                   "optimizers_config": {"indexing_threshold": 0}},
     fields(models.CreateCollection, models.HnswConfigDiff, models.OptimizersConfigDiff)),
    ("PATCH", "/collections/{c}", {"hnsw_config": {"ef_construct": 64}, "params": {"replication_factor": 1},
                                   "metadata": {"a": 1}},
     fields(models.UpdateCollection, models.CollectionParamsDiff, models.OptimizersConfigDiff)),
    ("PUT", "/collections/{c}/points?wait=true", {"points": POINTS[:3], "update_mode": "upsert"},
     fields(models.PointsList, models.PointsBatch, models.PointStruct, models.Batch)),
    ("POST", "/collections/{c}/points", {"ids": [1, 2], "with_payload": ["k"], "with_vector": True},
     fields(models.PointRequest)),
    ("POST", "/collections/{c}/points/delete?wait=true", {"points": [11]},
     fields(models.PointIdsList, models.FilterSelector)),
    ("POST", "/collections/{c}/points/payload?wait=true", {"points": [1], "payload": {"z": 1}, "key": None},
     fields(models.SetPayload)),
    ("PUT", "/collections/{c}/points/payload?wait=true", {"filter": FILTER, "payload": {"k": 1}},
     fields(models.SetPayload)),
    ("POST", "/collections/{c}/points/payload/delete?wait=true", {"points": [2], "keys": ["z"]},
     fields(models.DeletePayload)),
    ("POST", "/collections/{c}/points/payload/clear?wait=true", {"points": [12]},
     fields(models.PointIdsList, models.FilterSelector)),
    ("POST", "/collections/{c}/points/query", {"query": {"nearest": VEC, "mmr": {"diversity": 0.5}}, "limit": 3,
                                              "filter": FILTER, "params": {"hnsw_ef": 16}, "with_payload": True},
     fields(models.QueryRequest, models.SearchParams, models.NearestQuery, models.Mmr, models.Filter)),
    ("POST", "/collections/{c}/points/query/batch", {"searches": [{"query": VEC}, {"query": 1, "limit": 2}]},
     fields(models.QueryRequestBatch, models.QueryRequest)),
    ("POST", "/collections/{c}/points/search", {"vector": VEC, "limit": 3, "filter": FILTER, "offset": 1},
     ["vector", "filter", "params", "limit", "offset", "with_payload", "with_vector", "score_threshold",
      "shard_key", *fields(models.SearchParams)]),
    ("POST", "/collections/{c}/points/search/batch", {"searches": [{"vector": VEC, "limit": 2}]},
     ["searches", "vector", "limit", "filter", "params"]),
    ("POST", "/collections/{c}/points/scroll", {"limit": 4, "filter": FILTER, "order_by": {"key": "r"}},
     fields(models.ScrollRequest, models.OrderBy, models.Filter, models.FieldCondition)),
    ("POST", "/collections/{c}/points/count", {"filter": FILTER, "exact": True},
     fields(models.CountRequest, models.Filter, models.FieldCondition, models.Range, models.MatchValue)),
    ("PUT", "/collections/{c}/index?wait=true", {"field_name": "t", "field_schema": {"type": "text",
                                                                                     "tokenizer": "word"}},
     fields(models.CreateFieldIndex, models.TextIndexParams, models.IntegerIndexParams)),
    ("PUT", "/collections/{missing}/snapshots/recover", {"location": "file:///nowhere/x.snapshot"},
     fields(models.SnapshotRecover)),
    ("PUT", "/__sandbox/faults", {"latency_ms": 0}, ["latency_ms", "jitter_ms", "error_rate", "paths", "hang",
                                                     "collections", "search_recall"]),
]  # fmt: skip
WORDS = ["", "x", "1", "2024-01-01T00:00:00Z", "yesterday", "Cosine", "rrf", "random", "k", str(uuid.UUID(int=1)),
         "upsert", "update_only", "prefix", "file:///etc/hostname", "a[", ":"]  # fmt: skip
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from([0, 1, -1, 2**32, 2**64, 4, 255, 256]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), st.text(max_size=6))
    return st.recursive(
        JSON_LEAVES,
        lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(key, inner, max_size=4)),
        max_leaves=10,
    )


def mutate(data: st.DataObject, body: Any, keys: list[str]) -> Any:
    """1-3 changes to ``body``: a field (top level or nested) set or removed, or the whole body replaced."""
    values = json_values(keys)
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.integers(0, 9)) == 0 or not isinstance(body, dict):
            body = data.draw(values)
            continue
        target = body
        while True:  # walk down into a nested object now and then
            nested = [k for k, v in target.items() if isinstance(v, dict)]
            if not nested or data.draw(st.booleans()):
                break
            target = target[data.draw(st.sampled_from(nested))]
        name = data.draw(st.one_of(st.sampled_from(keys), st.sampled_from(sorted(target) or keys)))
        if data.draw(st.integers(0, 4)) == 0:
            target.pop(name, None)
        else:
            target[name] = data.draw(values)
    return body


def is_qdrant_error(response: httpx.Response) -> bool:
    """``{"status": {"error": "..."}, "time": t}``, as Qdrant answers every request error."""
    try:
        data = response.json()
    except ValueError:
        return False
    return (
        isinstance(data, dict)
        and set(data) == {"status", "time"}
        and isinstance(data["status"], dict)
        and isinstance(data["status"].get("error"), str)
        and bool(data["status"]["error"])
        and isinstance(data["time"], float)
    )


def seed(http: httpx.Client) -> None:
    http.delete(f"/collections/{COLL}")
    assert http.put(f"/collections/{COLL}", json={"vectors": {"size": 4, "distance": "Cosine"}}).status_code == 200
    assert http.put(f"/collections/{COLL}/points?wait=true", json={"points": POINTS}).status_code == 200
    assert http.put(
        f"/collections/{COLL}/index?wait=true", json={"field_name": "r", "field_schema": "float"}
    ).is_success


@pytest.fixture(scope="module")
def fuzz_http(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=httpx.Timeout(30.0)) as client:
        try:
            yield client
        finally:
            sandbox.clear_faults()
            for c in client.get("/collections").json()["result"]["collections"]:
                if c["name"].startswith("zfuzz"):
                    client.delete(f"/collections/{c['name']}")


def send(http: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    content = _dumps(body)
    return http.request(method, path, content=content, headers={"content-type": "application/json"})


def _dumps(body: Any) -> bytes:
    return json.dumps(body, allow_nan=False).encode() if _finite(body) else b"{"


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(map(_finite, value))
    if isinstance(value, dict):
        return all(map(_finite, value.values()))
    return True


@pytest.mark.parametrize(("method", "path", "base", "keys"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_fuzzed_bodies_never_give_a_500(
    fuzz_http: httpx.Client, sandbox: SandboxHandle, method: str, path: str, base: Any, keys: list[str]
) -> None:
    seed(fuzz_http)
    seen: dict[int, int] = {}

    @settings(FUZZ, max_examples=30 if f"{method} {path}" in SLOW else EXAMPLES)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        body = mutate(data, copy.deepcopy(base), keys)
        new = f"zfuzz_new_{uuid.uuid4().hex[:6]}"
        url = path.format(c=COLL, new=new, missing="zfuzz_missing")
        response = send(fuzz_http, method, url, body)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        if path.startswith("/__sandbox"):
            sandbox.clear_faults()
        if "{new}" in path and response.status_code == 200:
            fuzz_http.delete(f"/collections/{new}")
        assert response.status_code < 500, (method, url, body, response.text)
        if response.status_code >= 400:
            assert is_qdrant_error(response), (method, url, body, response.status_code, response.text)

    run()
    if "{missing}" not in path:  # recovering a snapshot that does not exist is never accepted
        assert any(code < 300 for code in seen), f"no fuzzed body was accepted: {seen}"  # it reached the handler
    assert any(400 <= code < 500 for code in seen), f"no fuzzed body was refused: {seen}"
    assert fuzz_http.get("/readyz").status_code == 200


PATHS = [
    ("GET", "/collections/{c}"),
    ("GET", "/collections/{c}/exists"),
    ("POST", "/collections/{c}/points/count"),
    ("GET", "/collections/{coll}/points/{p}"),
    ("DELETE", "/collections/{coll}/index/{p}"),
    ("GET", "/collections/{coll}/snapshots/{p}"),
]


@FUZZ
@given(name=st.text(min_size=1, max_size=300), point=st.text(min_size=1, max_size=40))
def test_fuzzed_path_parameters_never_give_a_500(fuzz_http: httpx.Client, name: str, point: str) -> None:
    c, p = quote(name, safe=""), quote(point, safe="")
    for method, template in PATHS:
        url = template.format(c=c, p=p, coll=COLL)
        response = fuzz_http.request(method, url)
        assert response.status_code < 500, (method, url, response.text)
        if response.status_code >= 400 and response.content:
            assert is_qdrant_error(response), (method, url, response.status_code, response.text)
