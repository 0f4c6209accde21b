"""No silent acceptance: every request field Qdrant 1.19 takes is honoured by the sandbox or refused by name.

The walk over qdrant-client's request models fails when a new field appears that nobody has classified; each
honoured field has an effect test here, each refused one a request that must answer 400 naming it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

pytestmark = pytest.mark.integration

#: Per request model: the fields the sandbox honours, and those it refuses with a 400 naming them. `vectors`,
#: `sparse_vectors`, `using` and `prefetch` are the named-vector handlers' (issue 16 point 1): until those land,
#: this branch refuses named and sparse vectors in the handlers (engine.parse_create, routes._query_request).
FIELDS: dict[type[BaseModel], tuple[set[str], set[str]]] = {
    models.CreateCollection: (
        {"vectors", "sparse_vectors", "shard_number", "sharding_method", "replication_factor",
         "write_consistency_factor", "on_disk_payload", "hnsw_config", "optimizers_config", "wal_config", "metadata"},
        {"quantization_config", "strict_mode_config", "payload", "id_tracker"},
    ),
    models.UpdateCollection: (
        {"optimizers_config", "params", "hnsw_config", "metadata"},
        {"vectors", "quantization_config", "sparse_vectors", "strict_mode_config"},
    ),
    models.HnswConfigDiff: (
        {"m", "ef_construct", "full_scan_threshold", "max_indexing_threads", "on_disk", "payload_m"},
        {"memory", "inline_storage"},
    ),
    models.OptimizersConfigDiff: (
        {"deleted_threshold", "vacuum_min_vector_number", "default_segment_number", "max_segment_size",
         "indexing_threshold", "max_optimization_threads", "prevent_unoptimized"},
        {"memmap_threshold", "flush_interval_sec"},  # only their default values are taken
    ),
    models.WalConfigDiff: ({"wal_capacity_mb", "wal_segments_ahead"}, {"wal_retain_closed"}),  # fixed values only
    models.CollectionParamsDiff: (
        {"replication_factor", "write_consistency_factor", "read_fan_out_factor", "read_fan_out_delay_ms",
         "on_disk_payload"},
        {"payload", "id_tracker"},
    ),
    models.PointsList: ({"points", "update_filter", "update_mode"}, {"shard_key"}),
    models.PointsBatch: ({"batch", "update_filter", "update_mode"}, {"shard_key"}),
    models.PointIdsList: ({"points"}, {"shard_key"}),
    models.FilterSelector: ({"filter"}, {"shard_key"}),
    models.SetPayload: ({"payload", "points", "filter", "key"}, {"shard_key"}),
    models.DeletePayload: ({"keys", "points", "filter"}, {"shard_key"}),
    models.PointRequest: ({"ids", "with_payload", "with_vector"}, {"shard_key"}),
    models.ScrollRequest: ({"offset", "limit", "filter", "with_payload", "with_vector", "order_by"}, {"shard_key"}),
    models.CountRequest: ({"filter", "exact"}, {"shard_key"}),
    models.QueryRequest: (
        {"prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "offset", "with_vector",
         "with_payload"},
        {"lookup_from", "shard_key"},
    ),
    models.SearchParams: ({"hnsw_ef", "exact", "quantization", "indexed_only", "acorn", "idf"}, set()),
    models.NearestQuery: ({"nearest", "mmr"}, set()),
    models.Mmr: ({"diversity", "candidates_limit"}, set()),
    models.OrderBy: ({"key", "direction", "start_from"}, set()),
    models.CreateFieldIndex: ({"field_name", "field_schema"}, set()),
    models.TextIndexParams: (
        {"type", "tokenizer", "min_token_len", "max_token_len", "lowercase", "ascii_folding", "phrase_matching",
         "on_disk", "enable_hnsw"},
        {"stopwords", "memory", "stemmer", "scoring", "nested"},
    ),
    models.KeywordIndexParams: ({"type", "is_tenant", "on_disk", "enable_hnsw"}, {"memory", "prefix", "nested"}),
    models.IntegerIndexParams: (
        {"type", "lookup", "range", "is_principal", "on_disk", "enable_hnsw"},
        {"memory", "nested"},
    ),
    models.FloatIndexParams: ({"type", "is_principal", "on_disk", "enable_hnsw"}, {"memory", "nested"}),
    models.DatetimeIndexParams: ({"type", "is_principal", "on_disk", "enable_hnsw"}, {"memory", "nested"}),
    models.UuidIndexParams: ({"type", "is_tenant", "on_disk", "enable_hnsw"}, {"memory", "nested"}),
    models.BoolIndexParams: ({"type", "on_disk", "enable_hnsw"}, {"memory", "nested"}),
    models.GeoIndexParams: ({"type", "on_disk", "enable_hnsw"}, {"memory", "nested"}),
    models.SnapshotRecover: ({"location", "priority", "checksum"}, {"api_key"}),
    models.PointStruct: ({"id", "vector", "payload"}, set()),
    models.Batch: ({"ids", "vectors", "payloads"}, set()),
    models.QueryRequestBatch: ({"searches"}, set()),
    models.Prefetch: ({"prefetch", "query", "using", "filter", "params", "score_threshold", "limit"}, {"lookup_from"}),
    models.LookupLocation: (set(), {"collection", "vector", "shard_key"}),
    models.PayloadSelectorInclude: ({"include"}, set()),
    models.PayloadSelectorExclude: ({"exclude"}, set()),
    models.QuantizationSearchParams: ({"ignore", "rescore", "oversampling"}, set()),
    models.AcornSearchParams: ({"enable", "max_selectivity"}, set()),
    models.IdfCorpusParams: ({"corpus"}, set()),
    models.Filter: ({"should", "min_should", "must", "must_not"}, set()),
    models.MinShould: ({"conditions", "min_count"}, set()),
    models.FieldCondition: (
        {"key", "match", "range", "geo_bounding_box", "geo_radius", "geo_polygon", "values_count", "is_empty",
         "is_null"},
        set(),
    ),
    models.Range: ({"lt", "gt", "gte", "lte"}, set()),
    models.DatetimeRange: ({"lt", "gt", "gte", "lte"}, set()),
    models.ValuesCount: ({"lt", "gt", "gte", "lte"}, set()),
    models.GeoRadius: ({"center", "radius"}, set()),
    models.GeoBoundingBox: ({"top_left", "bottom_right"}, set()),
    models.GeoPolygon: ({"exterior", "interiors"}, set()),
    models.GeoLineString: ({"points"}, set()),
    models.GeoPoint: ({"lon", "lat"}, set()),
    models.Nested: ({"key", "filter"}, set()),
    models.NestedCondition: ({"nested"}, set()),
    models.HasVectorCondition: ({"has_vector"}, set()),
    models.IsEmptyCondition: ({"is_empty"}, set()),
    models.IsNullCondition: ({"is_null"}, set()),
    models.HasIdCondition: ({"has_id"}, set()),
    models.PayloadField: ({"key"}, set()),
    models.SliceCondition: (set(), {"slice"}),
    models.MatchValue: ({"value"}, set()),
    models.MatchAny: ({"any"}, set()),
    models.MatchExcept: ({"except"}, set()),
    models.MatchText: ({"text"}, set()),
    models.MatchTextAny: ({"text_any"}, set()),
    models.MatchPhrase: ({"phrase"}, set()),
    models.MatchPrefix: ({"prefix"}, set()),
    models.MatchSubstring: ({"substring"}, set()),
    models.OrderByQuery: ({"order_by"}, set()),
    models.SampleQuery: ({"sample"}, set()),
    models.FusionQuery: ({"fusion"}, set()),
    models.RrfQuery: ({"rrf"}, set()),
    models.RecommendQuery: (set(), {"recommend"}),
    models.DiscoverQuery: (set(), {"discover"}),
    models.ContextQuery: (set(), {"context"}),
    models.FormulaQuery: (set(), {"formula", "defaults"}),
    models.RelevanceFeedbackQuery: (set(), {"relevance_feedback"}),
}  # fmt: skip


def test_every_field_of_the_served_request_models_is_classified() -> None:
    for model, (honoured, refused) in FIELDS.items():
        assert not honoured & refused, model.__name__
        names = {field.alias or name for name, field in model.model_fields.items()}  # JSON names (`except`)
        assert names == honoured | refused, f"{model.__name__}: classify {names ^ (honoured | refused)}"


@pytest.fixture
def coll(client: QdrantClient) -> Iterator[str]:
    name = f"f_{uuid.uuid4().hex[:8]}"
    client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.COSINE))
    client.upsert(
        name,
        [
            models.PointStruct(id=i, vector=[1.0, i / 10], payload={"n": i, "text": "hello world" if i % 2 else "help"})
            for i in range(1, 9)
        ],
    )
    yield name
    client.delete_collection(name)


def refused(response: httpx.Response, field: str) -> None:
    __tracebackhide__ = True
    assert response.status_code == 400, response.text
    error = response.json()["status"]["error"]
    assert error.startswith(f"Bad request: `{field}` is not supported by the golive sandbox ("), error


REFUSALS: list[tuple[str, str, dict[str, Any], str]] = [
    ("PUT", "", {"quantization_config": {"scalar": {"type": "int8"}}}, "quantization_config"),
    ("PUT", "", {"strict_mode_config": {"enabled": True}}, "strict_mode_config"),
    ("PUT", "", {"payload": {"storage_type": "on_disk"}}, "payload"),
    ("PUT", "", {"id_tracker": {"type": "mutable"}}, "id_tracker"),
    ("PUT", "", {"shard_number": 2}, "shard_number"),
    ("PUT", "", {"sharding_method": "custom"}, "sharding_method"),
    ("PUT", "", {"hnsw_config": {"memory": "disk"}}, "hnsw_config.memory"),
    ("PUT", "", {"hnsw_config": {"inline_storage": True}}, "hnsw_config.inline_storage"),
    ("PUT", "", {"optimizers_config": {"memmap_threshold": 5}}, "optimizers_config.memmap_threshold"),
    ("PUT", "", {"optimizers_config": {"flush_interval_sec": 1}}, "optimizers_config.flush_interval_sec"),
    ("PUT", "", {"wal_config": {"wal_retain_closed": 1}}, "wal_config.wal_retain_closed"),
    ("PUT", "", {"wal_config": {"wal_capacity_mb": 1}}, "wal_config.wal_capacity_mb"),
    ("PATCH", "", {"params": {"payload": {}}}, "params.payload"),
    ("PATCH", "", {"params": {"id_tracker": {}}}, "params.id_tracker"),
    ("PUT", "/points?wait=true", {"points": [{"id": 1, "vector": [1, 0]}], "shard_key": "a"}, "shard_key"),
    ("POST", "/points", {"ids": [1], "shard_key": "a"}, "shard_key"),
    ("POST", "/points/delete?wait=true", {"points": [1], "shard_key": "a"}, "shard_key"),
    ("POST", "/points/payload?wait=true", {"points": [1], "payload": {}, "shard_key": "a"}, "shard_key"),
    ("POST", "/points/payload/delete?wait=true", {"points": [1], "keys": ["n"], "shard_key": "a"}, "shard_key"),
    ("POST", "/points/payload/clear?wait=true", {"points": [1], "shard_key": "a"}, "shard_key"),
    ("POST", "/points/delete?wait=true", {"points": [1], "filter": {"must": []}}, "filter"),
    ("POST", "/points/payload?wait=true", {"points": [1], "filter": {"must": []}, "payload": {"z": 1}}, "filter"),
    ("POST", "/points/payload/clear?wait=true", {"points": [1], "filter": {"must": []}}, "filter"),
    ("POST", "/points/scroll", {"shard_key": "a"}, "shard_key"),
    ("POST", "/points/count", {"shard_key": "a"}, "shard_key"),
    ("POST", "/points/query", {"query": [1, 0], "shard_key": "a"}, "shard_key"),
    ("POST", "/points/query", {"query": [1, 0], "lookup_from": {"collection": "x"}}, "lookup_from"),
    ("POST", "/points/query", {"query": {"recommend": {"positive": [1]}}}, "query.recommend"),
    ("POST", "/points/query", {"query": {"discover": {"target": 1, "context": []}}}, "query.discover"),
    ("POST", "/points/query", {"query": {"context": []}}, "query.context"),
    ("POST", "/points/query", {"query": {"formula": {"sum": [1]}}}, "query.formula"),
    ("POST", "/points/query", {"query": {"relevance_feedback": {"target": [1, 0]}}}, "query.relevance_feedback"),
    ("POST", "/points/search", {"vector": [1, 0], "limit": 1, "shard_key": "a"}, "shard_key"),
    ("PUT", "/index?wait=true", {"field_name": "t", "field_schema": {"type": "text", "stemmer": {}}},
     "field_schema.stemmer"),
    ("PUT", "/index?wait=true", {"field_name": "t", "field_schema": {"type": "text", "stopwords": "english"}},
     "field_schema.stopwords"),
    ("PUT", "/index?wait=true", {"field_name": "k", "field_schema": {"type": "keyword", "prefix": True}},
     "field_schema.prefix"),
    ("PUT", "/index?wait=true", {"field_name": "k", "field_schema": {"type": "keyword", "memory": "disk"}},
     "field_schema.memory"),
    ("PUT", "/index?wait=true", {"field_name": "o", "field_schema": {"type": "keyword", "nested": "o"}},
     "field_schema.nested"),
    ("PUT", "/snapshots/recover", {"location": "file:///nowhere.snapshot", "api_key": "k"}, "api_key"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "field"), REFUSALS, ids=[f"{m} {p} {f}" for m, p, _, f in REFUSALS])
def test_fields_the_sandbox_cannot_honour_are_refused_by_name(
    http: httpx.Client, coll: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    before = http.get(f"/collections/{coll}").json()["result"]
    if method == "PUT" and not path:  # a new collection, so that only the refused field can be the reason
        body = {"vectors": {"size": 2, "distance": "Cosine"}, **body}
        name = f"f_{uuid.uuid4().hex[:8]}"
        refused(http.put(f"/collections/{name}", json=body), field)
        assert http.get(f"/collections/{name}/exists").json()["result"] == {"exists": False}
        return
    refused(http.request(method, f"/collections/{coll}{path}", json=body), field)
    after = http.get(f"/collections/{coll}").json()["result"]
    assert (after["points_count"], after["config"], after["payload_schema"]) == (
        before["points_count"],
        before["config"],
        before["payload_schema"],
    )


# ----------------------------------------------------------------------------- honoured: the effects


def test_update_mode_update_only_and_insert_only(client: QdrantClient, coll: str) -> None:
    client.upsert(coll, [models.PointStruct(id=100, vector=[0.0, 1.0])], update_mode=models.UpdateMode.UPDATE_ONLY)
    assert client.retrieve(coll, [100]) == []
    client.upsert(
        coll,
        [models.PointStruct(id=1, vector=[0.0, 1.0], payload={"n": 99}), models.PointStruct(id=101, vector=[0.0, 1.0])],
        update_mode=models.UpdateMode.INSERT_ONLY,
    )
    got = {p.id: p.payload for p in client.retrieve(coll, [1, 101])}
    assert got[1] == {"n": 1, "text": "hello world"}
    assert 101 in got
    client.upsert(
        coll,
        [models.PointStruct(id=2, vector=[0.0, 1.0], payload={"n": 20})],
        update_mode=models.UpdateMode.UPDATE_ONLY,
    )
    assert client.retrieve(coll, [2])[0].payload == {"n": 20}


def test_update_filter_leaves_excluded_points_alone(client: QdrantClient, coll: str) -> None:
    only_n3 = models.Filter(must=[models.FieldCondition(key="n", match=models.MatchValue(value=3))])
    client.upsert(
        coll,
        [
            models.PointStruct(id=3, vector=[0.0, 1.0], payload={"n": 30}),  # matches: overwritten
            models.PointStruct(id=4, vector=[0.0, 1.0], payload={"n": 40}),  # excluded: left alone
            models.PointStruct(id=200, vector=[0.0, 1.0], payload={"n": 200}),  # new: inserted
        ],
        update_filter=only_n3,
    )
    got = {p.id: p.payload["n"] for p in client.retrieve(coll, [3, 4, 200]) if p.payload}
    assert got == {3: 30, 4: 4, 200: 200}


def test_scroll_order_by_through_qdrant_client(client: QdrantClient, http: httpx.Client, coll: str) -> None:
    no_index = http.post(f"/collections/{coll}/points/scroll", json={"order_by": "n"})
    assert no_index.status_code == 400
    assert no_index.json()["status"]["error"].startswith("Bad request: No range index for `order_by` key: `n`.")
    client.create_payload_index(coll, "n", models.PayloadSchemaType.INTEGER, wait=True)
    points, next_offset = client.scroll(
        coll, limit=3, order_by=models.OrderBy(key="n", direction=models.Direction.DESC)
    )
    assert [p.id for p in points] == [8, 7, 6]
    assert [p.order_value for p in points] == [8, 7, 6]
    assert next_offset is None
    points, _ = client.scroll(coll, limit=2, order_by=models.OrderBy(key="n", start_from=5))
    assert [p.id for p in points] == [5, 6]
    by_query = client.query_points(coll, query=models.OrderByQuery(order_by="n"), limit=3).points
    assert [p.id for p in by_query] == [1, 2, 3]
    sampled = client.query_points(coll, query=models.SampleQuery(sample=models.Sample.RANDOM), limit=8).points
    assert sorted(p.id for p in sampled) == list(range(1, 9))


def test_mmr_diversity_changes_the_ranking(client: QdrantClient, coll: str) -> None:
    client.upsert(coll, [models.PointStruct(id=300 + i, vector=[1.0, 0.01 * i]) for i in range(4)])  # near-copies
    plain = [p.id for p in client.query_points(coll, query=[1.0, 0.0], limit=4).points]
    relevance = client.query_points(coll, query=models.NearestQuery(nearest=[1.0, 0.0], mmr=models.Mmr(diversity=0.0)))
    diverse = client.query_points(
        coll, query=models.NearestQuery(nearest=[1.0, 0.0], mmr=models.Mmr(diversity=1.0, candidates_limit=12)), limit=4
    )
    assert plain == [300, 301, 302, 303]
    assert [p.id for p in relevance.points][:4] == plain
    assert diverse.points[0].id == 300
    assert len(set(p.id for p in diverse.points) & {301, 302, 303}) < 3  # the near-copies give way to others


def test_text_index_with_prefix_tokenizer(client: QdrantClient, coll: str) -> None:
    prefix = models.Filter(must=[models.FieldCondition(key="text", match=models.MatchText(text="hel"))])
    client.create_payload_index(coll, "text", models.TextIndexParams(type=models.TextIndexType.TEXT), wait=True)
    assert client.count(coll, count_filter=prefix).count == 0  # word tokens: "hel" is not a word
    client.delete_payload_index(coll, "text", wait=True)
    client.create_payload_index(
        coll,
        "text",
        models.TextIndexParams(type=models.TextIndexType.TEXT, tokenizer=models.TokenizerType.PREFIX),
        wait=True,
    )
    assert client.count(coll, count_filter=prefix).count == 8
    words = models.Filter(must=[models.FieldCondition(key="text", match=models.MatchTextAny(text_any="world nope"))])
    assert client.count(coll, count_filter=words).count == 4


def test_collection_metadata_params_and_tuning_are_stored_and_reported(client: QdrantClient) -> None:
    name = f"f_{uuid.uuid4().hex[:8]}"
    client.create_collection(
        name,
        vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT),
        replication_factor=2,
        write_consistency_factor=2,
        hnsw_config=models.HnswConfigDiff(payload_m=8, on_disk=True),
        optimizers_config=models.OptimizersConfigDiff(prevent_unoptimized=True),
        metadata={"team": "search", "tier": 1},
    )
    try:
        assert client.update_collection(
            name,
            metadata={"tier": 2, "owner": "ops"},
            collection_params=models.CollectionParamsDiff(replication_factor=3, read_fan_out_factor=1),
            optimizers_config=models.OptimizersConfigDiff(
                max_optimization_threads=models.MaxOptimizationThreadsSetting.AUTO
            ),
        )
        config = client.get_collection(name).config
        assert config.metadata == {"team": "search", "tier": 2, "owner": "ops"}
        assert (config.params.replication_factor, config.params.write_consistency_factor) == (3, 2)
        assert config.params.read_fan_out_factor == 1
        assert (config.hnsw_config.payload_m, config.hnsw_config.on_disk) == (8, True)
        assert config.optimizer_config.prevent_unoptimized is True
        assert config.optimizer_config.max_optimization_threads is None  # "auto", as Qdrant shows it
    finally:
        client.delete_collection(name)


def test_search_params_and_conditions_are_applied(client: QdrantClient, coll: str) -> None:
    params = models.SearchParams(
        hnsw_ef=0,  # Qdrant has no lower bound on hnsw_ef (lib/segment SearchParams): the beam is at least `limit`
        acorn=models.AcornSearchParams(enable=True, max_selectivity=0.5),
        quantization=models.QuantizationSearchParams(ignore=True, oversampling=2.0),
    )
    both = models.Filter(  # one condition, two parts: Qdrant's segment code matches when either part does
        must=[models.FieldCondition(key="n", match=models.MatchAny(any=[2, 3]), range=models.Range(gte=7))]
    )
    hits = client.query_points(coll, query=[1.0, 0.0], query_filter=both, search_params=params, limit=8).points
    assert sorted(p.id for p in hits) == [2, 3, 7, 8]


# ----------------------------------------------------------------------------- Qdrant's codes and texts


def test_set_payload_on_a_missing_point_is_404_through_qdrant_client(client: QdrantClient, coll: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: client.set_payload(coll, {"x": 1}, points=[999], wait=True),
        lambda: client.overwrite_payload(coll, {"x": 1}, points=[999], wait=True),
        lambda: client.delete_payload(coll, ["x"], points=[999], wait=True),
        lambda: client.clear_payload(coll, points_selector=[999], wait=True),
    ]
    for call in calls:
        with pytest.raises(UnexpectedResponse) as caught:
            call()
        assert caught.value.status_code == 404
        assert b'"error":"Not found: No point with id 999 found"' in caught.value.content


def test_unparseable_datetime_range_is_400(http: httpx.Client, coll: str) -> None:
    flt = {"must": [{"key": "n", "range": {"gte": "yesterday"}}]}
    for path, body in (("scroll", {"filter": flt}), ("count", {"filter": flt}), ("query", {"filter": flt})):
        response = http.post(f"/collections/{coll}/points/{path}", json=body)
        assert response.status_code == 400
        assert response.json()["status"]["error"] == (
            "Format error in JSON body: data did not match any variant of untagged enum RangeInterface"
        )


@pytest.mark.parametrize("field", ["shard_number", "replication_factor", "write_consistency_factor"])
def test_zero_and_negative_factors_are_qdrants_422_and_400(client: QdrantClient, coll: str, field: str) -> None:
    vectors = models.VectorParams(size=2, distance=models.Distance.COSINE)
    new = f"f_{uuid.uuid4().hex[:8]}"
    for name in (new, coll):  # a new name, and an existing one: the validation error, never a 409
        with pytest.raises(UnexpectedResponse) as zero:
            client.http.collections_api.create_collection(
                name, create_collection=models.CreateCollection(vectors=vectors, **{field: 0})
            )
        assert zero.value.status_code == 422
        assert f"Validation error in JSON body: [{field}: value 0 invalid, must be 1 or larger]" in str(zero.value)
        with pytest.raises(UnexpectedResponse) as negative:
            client.http.collections_api.create_collection(
                name, create_collection=models.CreateCollection(vectors=vectors, **{field: -1})
            )
        assert negative.value.status_code == 400
        assert "Format error in JSON body: invalid value: integer `-1`, expected u32" in str(negative.value)
    assert not client.collection_exists(new)
    assert client.collection_exists(coll)


def test_over_long_collection_name_is_qdrants_422(http: httpx.Client, client: QdrantClient) -> None:
    name = "n" * 256
    expected = f'Validation error in path parameters: [name: value "{name}" invalid, must be from 1 to 255 characters]'
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/exists"), ("POST", "/points/scroll")):
        response = http.request(method, f"/collections/{name}{path}", json={"vectors": {"size": 2, "distance": "Dot"}})
        assert (response.status_code, response.json()["status"]["error"]) == (422, expected), (method, path)
    with pytest.raises(UnexpectedResponse) as caught:
        client.get_collection(name)
    assert caught.value.status_code == 422


def test_prefetch_without_query_and_threshold_without_query(http: httpx.Client, coll: str) -> None:
    merge = http.post(f"/collections/{coll}/points/query", json={"prefetch": [{"query": [1, 0]}]})
    assert (merge.status_code, merge.json()["status"]["error"]) == (
        400,
        "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query.",
    )
    threshold = http.post(f"/collections/{coll}/points/query", json={"score_threshold": 0.1})
    assert threshold.status_code == 400
    assert "Can't have score_threshold without defining a query." in threshold.json()["status"]["error"]


def test_zero_limits_are_qdrants_422(http: httpx.Client, coll: str) -> None:
    for path, body, field in (
        ("query", {"query": [1, 0], "limit": 0}, "internal.limit"),
        ("search", {"vector": [1, 0], "limit": 0}, "search_request.limit"),
        ("scroll", {"limit": 0}, "scroll_request.limit"),
        ("query/batch", {"searches": [{"query": [1, 0], "limit": 0}]}, "searches[0].internal.limit"),
    ):
        response = http.post(f"/collections/{coll}/points/{path}", json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["status"]["error"] == (
            f"Validation error in JSON body: [{field}: value 0 invalid, must be 1 or larger]"
        )


def test_every_filter_condition_is_applied(client: QdrantClient, http: httpx.Client, coll: str) -> None:
    client.upsert(
        coll,
        [
            models.PointStruct(
                id=400 + i,
                vector=[0.5, 0.5],
                payload={
                    "loc": {"lon": 13.0 + i / 10, "lat": 52.0},
                    "tags": ["t"] * i,
                    "kw": f"key{i}",
                    "o": [{"x": i}, {"x": i + 1}],
                },
            )
            for i in range(4)
        ],
    )

    def ids(*must: models.Condition) -> list[int]:
        points, _ = client.scroll(coll, scroll_filter=models.Filter(must=list(must)), limit=50)
        return sorted(int(p.id) for p in points)

    center = models.GeoPoint(lon=13.0, lat=52.0)
    assert ids(models.FieldCondition(key="loc", geo_radius=models.GeoRadius(center=center, radius=8000))) == [400, 401]
    box = models.GeoBoundingBox(
        top_left=models.GeoPoint(lon=13.15, lat=52.1), bottom_right=models.GeoPoint(lon=13.35, lat=51.9)
    )
    assert ids(models.FieldCondition(key="loc", geo_bounding_box=box)) == [402, 403]
    ring = [
        models.GeoPoint(lon=lon, lat=lat)
        for lon, lat in ((12.9, 51.9), (13.05, 51.9), (13.05, 52.1), (12.9, 52.1), (12.9, 51.9))
    ]
    assert ids(
        models.FieldCondition(key="loc", geo_polygon=models.GeoPolygon(exterior=models.GeoLineString(points=ring)))
    ) == [400]
    assert ids(models.FieldCondition(key="tags", values_count=models.ValuesCount(gte=2))) == [402, 403]
    assert ids(models.FieldCondition(key="kw", match=models.MatchPrefix(prefix="key"))) == [400, 401, 402, 403]
    assert ids(models.FieldCondition(key="kw", match=models.MatchSubstring(substring="ey3"))) == [403]
    assert ids(models.FieldCondition(key="kw", match=models.MatchPhrase(phrase="key2"))) == [402]
    assert (
        ids(
            models.FieldCondition(key="kw", match=models.MatchValue(value="key1")),
            models.IsEmptyCondition(is_empty=models.PayloadField(key="tags")),
        )
        == []
    )
    assert ids(
        models.FieldCondition(key="tags", is_empty=True),
        models.FieldCondition(key="kw", match=models.MatchAny(any=["key0", "key1"])),
    ) == [400]
    nested = models.Nested(
        key="o", filter=models.Filter(must=[models.FieldCondition(key="x", match=models.MatchValue(value=3))])
    )
    assert ids(models.NestedCondition(nested=nested)) == [402, 403]
    assert len(ids(models.HasVectorCondition(has_vector=""))) == 12
    sliced = http.post(
        f"/collections/{coll}/points/scroll", json={"filter": {"must": [{"slice": {"total": 2, "index": 0}}]}}
    )
    assert sliced.status_code == 400
    assert "slice" in sliced.json()["status"]["error"]
