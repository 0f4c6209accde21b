"""The REST surface through qdrant-client and raw httpx: bodies, envelopes, codes and texts."""

from __future__ import annotations

import random
import threading
import time
import uuid
import warnings
from collections.abc import Iterator

import httpx
import pytest
from qdrant_client import QdrantClient, models

from golive.sandbox import QDRANT_COMMIT, QDRANT_VERSION, SANDBOX_HEADER
from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.integration


@pytest.fixture
def coll(client: QdrantClient) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:8]}"
    client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
    client.upsert(
        name,
        points=[
            models.PointStruct(id=i, vector=[float(i), 1.0, 2.0, 3.0], payload={"k": i % 3, "tag": f"t{i % 2}"})
            for i in range(1, 21)
        ],
    )
    yield name
    client.delete_collection(name)


def test_root_and_health_texts(http: httpx.Client) -> None:
    root = http.get("/")
    assert root.json() == {"title": "qdrant - vector search engine", "version": QDRANT_VERSION, "commit": QDRANT_COMMIT}
    assert models.VersionInfo.model_validate(root.json()).commit == "74f3e85b9473c62560006c043e13737ce6b48412"
    assert root.headers[SANDBOX_HEADER].startswith("qdrant-edge-py ")
    for path in ("/healthz", "/livez"):
        assert (http.get(path).status_code, http.get(path).text) == (200, "healthz check passed")
    assert (http.get("/readyz").status_code, http.get("/readyz").text) == (200, "all shards are ready")


def test_qdrant_client_sees_a_compatible_server(client: QdrantClient, sandbox: SandboxHandle) -> None:
    """filterwarnings=error: an incompatible version would fail here."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked = QdrantClient(url=sandbox.url, timeout=10, check_compatibility=True)
        assert checked.info().version == QDRANT_VERSION
        checked.close()
    assert [str(w.message) for w in caught] == []


def test_demo_collections_are_present_indexed_and_green(client: QdrantClient, demo_scale: float) -> None:
    names = {c.name for c in client.get_collections().collections}
    assert {c.name for c in DEMO_COLLECTIONS} <= names
    for spec in (c for c in DEMO_COLLECTIONS if not c.named):  # the hybrid one: test_sandbox_named_vectors.py
        info = client.get_collection(spec.name)
        assert info.status == models.CollectionStatus.GREEN
        assert info.optimizer_status == models.OptimizersStatusOneOf.OK
        assert info.points_count == spec.points_at(demo_scale)
        assert info.indexed_vectors_count == info.points_count
        params = info.config.params.vectors
        assert isinstance(params, models.VectorParams)
        assert (params.size, params.distance.value) == (spec.size, spec.distance)
        assert info.config.optimizer_config.indexing_threshold is not None
        schema = {name: field.data_type.value for name, field in info.payload_schema.items()}
        assert schema == {"category": "keyword", "tenant": "integer", "lang": "keyword"}


def test_demo_payloads_and_hnsw_recall(client: QdrantClient) -> None:
    records, _ = client.scroll("faq", limit=20, with_vectors=True)
    assert set(records[0].payload or {}) == {"category", "tenant", "price", "ts", "lang"}
    hits = 0
    for rec in records:
        assert isinstance(rec.vector, list)
        approx = client.query_points("documents", query=rec.vector, limit=10).points
        exact = client.query_points(
            "documents", query=rec.vector, limit=10, search_params=models.SearchParams(exact=True)
        ).points
        hits += len({p.id for p in approx} & {p.id for p in exact})
    assert hits / (10 * len(records)) >= 0.9


def test_collection_lifecycle_and_errors(client: QdrantClient, http: httpx.Client) -> None:
    name = f"life_{uuid.uuid4().hex[:6]}"
    body = {
        "vectors": {"size": 3, "distance": "Dot"},
        "hnsw_config": {"m": 8},
        "optimizers_config": {"indexing_threshold": 0},
    }
    assert http.put(f"/collections/{name}", json=body).json()["result"] is True
    dup = http.put(f"/collections/{name}", json=body)
    assert dup.status_code == 409
    assert dup.json()["status"]["error"] == f"Wrong input: Collection `{name}` already exists!"
    info = client.get_collection(name)
    assert info.config.hnsw_config.m == 8
    assert info.config.optimizer_config.indexing_threshold == 0
    assert client.collection_exists(name)
    assert client.delete_collection(name)
    assert not client.collection_exists(name)
    missing = http.get(f"/collections/{name}")
    assert missing.status_code == 404
    assert missing.json()["status"]["error"] == f"Not found: Collection `{name}` doesn't exist!"
    assert isinstance(missing.json()["time"], float)


def test_bad_input_is_400_never_500(http: httpx.Client, coll: str) -> None:
    wrong = http.post(f"/collections/{coll}/points/query", json={"query": [1, 2, 3]})
    assert wrong.status_code == 400
    assert wrong.json()["status"]["error"] == "Wrong input: Vector dimension error: expected dim: 4, got 3"
    wrong_upsert = http.put(f"/collections/{coll}/points?wait=true", json={"points": [{"id": 1, "vector": [1]}]})
    assert wrong_upsert.status_code == 400
    assert "expected dim: 4, got 1" in wrong_upsert.text
    malformed = http.post(f"/collections/{coll}/points/query", content=b"{not json")
    assert malformed.status_code == 400
    assert "error" in malformed.json()["status"]
    for body in ({"query": "x"}, {"limit": -1}, {"filter": {"must": [{"key": "k", "match": {}}]}}, [1]):
        response = http.post(f"/collections/{coll}/points/query", json=body)
        assert response.status_code == 400, (body, response.text)
    assert http.put("/collections/bad", json={"vectors": {"size": 0, "distance": "Cosine"}}).status_code == 400
    assert http.put("/collections/bad", json={"vectors": {"size": 4, "distance": "Nope"}}).status_code == 400
    assert http.get("/no/such/path").status_code == 404
    assert http.get(f"/collections/{coll}/points/999").status_code == 404


def test_update_collection_changes_tuning_through_qdrant_client(client: QdrantClient, coll: str) -> None:
    assert client.update_collection(
        coll,
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0, deleted_threshold=0.3),
        hnsw_config=models.HnswConfigDiff(m=32, ef_construct=200),
    )
    info = client.get_collection(coll)
    assert (info.config.hnsw_config.m, info.config.hnsw_config.ef_construct) == (32, 200)
    assert info.config.optimizer_config.indexing_threshold == 0
    assert info.config.optimizer_config.deleted_threshold == 0.3
    assert info.points_count == 20
    hits = client.query_points(coll, query=[1.0, 1.0, 2.0, 3.0], limit=3).points
    assert len(hits) == 3


def test_update_collection_errors_are_enveloped(http: httpx.Client, coll: str) -> None:
    ok = http.patch(f"/collections/{coll}", json={"hnsw_config": {"m": 20}})
    assert (ok.status_code, ok.json()["result"], ok.json()["status"]) == (200, True, "ok")
    vectors = http.patch(f"/collections/{coll}", json={"vectors": {"": {"on_disk": True}}})
    assert vectors.status_code == 400
    assert "not supported" in vectors.json()["status"]["error"]
    bad = http.patch(f"/collections/{coll}", json={"hnsw_config": {"m": -1}})
    assert (bad.status_code, bad.json()["status"]["error"]) == (  # serde's text, as Qdrant (without the position)
        400,
        "Format error in JSON body: invalid value: integer `-1`, expected usize",
    )
    missing = http.patch("/collections/nope_missing", json={})
    assert missing.status_code == 404
    assert missing.json()["status"]["error"] == "Not found: Collection `nope_missing` doesn't exist!"
    assert http.get(f"/collections/{coll}").json()["result"]["config"]["hnsw_config"]["m"] == 20


def test_wrong_method_on_a_known_path_is_405_in_the_envelope(http: httpx.Client, coll: str) -> None:
    for method, path in (("PATCH", f"/collections/{coll}/points"), ("DELETE", "/collections"), ("POST", "/readyz")):
        response = http.request(method, path, json={})
        assert response.status_code == 405, (method, path)
        assert response.headers["content-type"] == "application/json"
        assert "Method Not Allowed" in response.json()["status"]["error"]
        assert isinstance(response.json()["time"], float)
    assert http.request("PATCH", f"/collections/{coll}/points").headers["allow"] == "POST, PUT"


FUZZ_VALUES = (None, 1, -1, 1.5, "x", True, [], {}, [1, 2], ["a"], {"a": 1}, [[1]], [None], 10**30,
               {"must": 1}, {"must": [{"key": 1}]}, "5b6c2c7e-1c2f-4b0e-9d4f-1a2b3c4d5e6f")  # fmt: skip
FUZZ_KEYS = ("points", "ids", "vector", "query", "filter", "limit", "offset", "with_payload", "with_vector", "params",
             "score_threshold", "searches", "batch", "payload", "keys", "field_name", "field_schema", "location",
             "checksum", "exact", "vectors", "hnsw_config", "optimizers_config", "nearest")  # fmt: skip
FUZZ_ENDPOINTS = ("PUT /collections/{c}", "PATCH /collections/{c}", "PUT /collections/{c}/points?wait=true",
                  "POST /collections/{c}/points",
                  "POST /collections/{c}/points/delete?wait=true", "POST /collections/{c}/points/query",
                  "POST /collections/{c}/points/query/batch", "POST /collections/{c}/points/search",
                  "POST /collections/{c}/points/search/batch", "POST /collections/{c}/points/scroll",
                  "POST /collections/{c}/points/count", "POST /collections/{c}/points/payload?wait=true",
                  "POST /collections/{c}/points/payload/delete?wait=true", "PUT /collections/{c}/index?wait=true",
                  "PUT /collections/{c}/snapshots/recover", "PUT /__sandbox/faults",
                  "POST /collections/{c}/snapshots/upload")  # fmt: skip


def test_random_bad_input_never_gives_a_500(http: httpx.Client, coll: str, sandbox: SandboxHandle) -> None:
    rng = random.Random(7)
    try:
        for _ in range(600):
            method, path = rng.choice(FUZZ_ENDPOINTS).split(" ")
            body: object = {k: rng.choice(FUZZ_VALUES) for k in rng.sample(FUZZ_KEYS, rng.randint(0, 4))}
            if rng.random() < 0.1:
                body = rng.choice(FUZZ_VALUES)
            response = http.request(method, path.format(c=coll), json=body)
            assert response.status_code < 500, (method, path, body, response.text)
    finally:
        sandbox.clear_faults()
    assert http.get("/readyz").status_code == 200


def test_wait_false_is_200_acknowledged(http: httpx.Client, client: QdrantClient, coll: str) -> None:
    """Qdrant answers an unawaited write 200, not 202 (qdrant/qdrant#2557, #9039)."""
    response = http.put(f"/collections/{coll}/points", json={"points": [{"id": 100, "vector": [1, 1, 1, 1]}]})
    assert response.status_code == 200
    assert response.json()["result"]["status"] == "acknowledged"
    assert isinstance(response.json()["result"]["operation_id"], int)
    done = http.put(f"/collections/{coll}/points?wait=true", json={"points": [{"id": 101, "vector": [1, 1, 1, 1]}]})
    assert (done.status_code, done.json()["result"]["status"]) == (200, "completed")
    assert {r.id for r in client.retrieve(coll, ids=[100, 101])} == {100, 101}
    ack = client.upsert(coll, points=[models.PointStruct(id=102, vector=[1, 1, 1, 1])], wait=False)
    assert ack.status == models.UpdateStatus.ACKNOWLEDGED


def test_points_endpoints_through_qdrant_client(client: QdrantClient, coll: str) -> None:
    uid = str(uuid.uuid4())
    client.upsert(coll, points=models.Batch(ids=[uid], vectors=[[0.0, 1.0, 0.0, 0.0]], payloads=[{"k": 9}]))
    found = client.query_points(
        coll,
        query=[1.0, 1.0, 2.0, 3.0],
        limit=5,
        with_payload=True,
        query_filter=models.Filter(
            must=[models.FieldCondition(key="k", match=models.MatchAny(any=[1, 2]))],
            must_not=[models.HasIdCondition(has_id=[1])],
        ),
        search_params=models.SearchParams(hnsw_ef=64, exact=False),
    ).points
    assert len(found) == 5
    assert all((p.payload or {})["k"] in (1, 2) and p.id != 1 for p in found)
    by_id = client.query_points(coll, query=3, limit=3).points
    assert 3 not in {p.id for p in by_id}
    assert len(by_id) == 3
    ranged = client.count(
        coll, count_filter=models.Filter(must=[models.FieldCondition(key="k", range=models.Range(gte=1))])
    )
    assert ranged.count == 15  # 14 of ids 1..20, plus the uuid point (k=9)
    tagged = client.count(
        coll, count_filter=models.Filter(should=[models.FieldCondition(key="tag", match=models.MatchValue(value="t0"))])
    )
    assert tagged.count == 10
    batch = client.query_batch_points(
        coll, requests=[models.QueryRequest(query=[1, 0, 0, 0], limit=2), models.QueryRequest(query=uid, limit=1)]
    )
    assert [len(b.points) for b in batch] == [2, 1]
    records = client.retrieve(coll, ids=[1, 2, uid], with_vectors=True)
    assert {str(r.id) for r in records} == {"1", "2", uid}
    assert all(isinstance(r.vector, list) for r in records)
    page, offset = client.scroll(coll, limit=5)
    assert len(page) == 5
    assert offset is not None
    point = client.http.points_api.get_point(coll, id=2).result
    assert point is not None
    assert point.payload == {"k": 2, "tag": "t0"}
    client.delete(coll, points_selector=models.PointIdsList(points=[1, 2]))
    client.delete(
        coll, points_selector=models.FilterSelector(filter=models.Filter(must=[models.HasIdCondition(has_id=[3])]))
    )
    assert client.count(coll).count == 18
    client.set_payload(coll, payload={"extra": True}, points=[4])
    assert (client.retrieve(coll, ids=[4])[0].payload or {})["extra"] is True
    client.overwrite_payload(coll, payload={"only": 1}, points=[5])
    client.delete_payload(coll, keys=["tag"], points=[6])
    client.clear_payload(coll, points_selector=models.PointIdsList(points=[7]))
    payloads = {r.id: r.payload for r in client.retrieve(coll, ids=[5, 6, 7])}
    assert payloads == {5: {"only": 1}, 6: {"k": 0}, 7: {}}
    client.create_payload_index(coll, "tag", models.PayloadSchemaType.KEYWORD)
    assert "tag" in client.get_collection(coll).payload_schema


def test_legacy_search_endpoints_parse_into_client_models(http: httpx.Client, coll: str) -> None:
    """qdrant-client 1.20 dropped search(); older clients and the suite's probes still call it."""
    request = {"vector": [1, 1, 1, 1], "limit": 3, "with_payload": True}
    single = http.post(f"/collections/{coll}/points/search", json=request)
    points = [models.ScoredPoint.model_validate(p) for p in single.json()["result"]]
    assert len(points) == 3
    assert all(p.payload is not None for p in points)
    batch = {"searches": [request, {"vector": [0, 0, 1, 0], "limit": 2}]}
    results = http.post(f"/collections/{coll}/points/search/batch", json=batch).json()["result"]
    assert [len(r) for r in results] == [3, 2]
    no_limit = http.post(f"/collections/{coll}/points/search", json={"vector": [0, 0, 1, 0]})
    assert (no_limit.status_code, no_limit.json()["status"]["error"]) == (
        400,
        "Bad request: Json deserialize error: missing field `limit`",
    )
    assert http.post(f"/collections/{coll}/points/search", json={"vector": [0, 0, 1, 0], "top": 2}).status_code == 200
    assert http.post(f"/collections/{coll}/points/query", json={"query": [0, 0, 1, 0]}).status_code == 200


METRIC_FAMILIES = (
    "app_info",
    "app_status_recovery_mode",
    "collections_total",
    "collections_vector_total",
    "rest_responses_total",
    "rest_responses_fail_total",
    "rest_responses_avg_duration_seconds",
    "rest_responses_min_duration_seconds",
    "rest_responses_max_duration_seconds",
    "rest_responses_duration_seconds",
    "process_open_fds",
    "process_max_fds",
    "memory_resident_bytes",
)


def test_metrics_use_qdrants_names(http: httpx.Client, coll: str) -> None:
    http.post(f"/collections/{coll}/points/query", json={"query": [1, 1, 1, 1]})
    response = http.get("/metrics")
    assert response.headers.get_list("content-type") == ["text/plain; version=0.0.4"]
    text = response.text
    for family in METRIC_FAMILIES:
        assert f"# TYPE {family} " in text, family
    assert f'collection_points{{id="{coll}"}} 20' in text
    assert 'endpoint="/collections/{name}/points/query",status="200"' in text


def test_telemetry_cluster_and_issues_parse(client: QdrantClient, http: httpx.Client, coll: str) -> None:
    telemetry = client.http.service_api.telemetry(details_level=2).result
    assert telemetry is not None
    assert telemetry.collections.number_of_collections >= 10
    raw = http.get("/telemetry", params={"details_level": 1}).json()["result"]
    assert raw["golive_sandbox"]["engine"] == "qdrant-edge-py"
    cluster = client.http.distributed_api.cluster_status().result
    assert cluster is not None
    assert cluster.status == "disabled"
    shards = client.http.distributed_api.collection_cluster_info(coll).result
    assert shards is not None
    assert shards.local_shards[0].state == models.ReplicaState.ACTIVE
    assert shards.local_shards[0].points_count == 20
    assert http.get("/issues").json()["result"] == {"issues": []}
    assert client.get_aliases().aliases == []
    assert client.get_collection_aliases(coll).aliases == []


def test_cors_default_allows_any_origin(http: httpx.Client) -> None:
    preflight = http.options(
        "/collections", headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    simple = http.get("/collections", headers={"Origin": "https://ui.example"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_concurrent_writes_and_searches_keep_every_point(
    client: QdrantClient, http: httpx.Client, sandbox: SandboxHandle
) -> None:
    """Writers on threads (wait=true and wait=false) and readers at once: no error, no lost point."""
    name = f"conc_{uuid.uuid4().hex[:6]}"
    client.create_collection(name, vectors_config=models.VectorParams(size=8, distance=models.Distance.COSINE))
    errors: list[str] = []

    def writer(worker: int) -> None:
        with httpx.Client(base_url=sandbox.url, timeout=30) as c:
            for batch in range(10):
                base = worker * 1000 + batch * 50
                points = [{"id": base + i, "vector": [float(base + i + 1)] + [1.0] * 7} for i in range(50)]
                wait = "true" if batch % 2 else "false"
                response = c.put(f"/collections/{name}/points?wait={wait}", json={"points": points})
                if response.status_code != 200:
                    errors.append(response.text)

    def reader() -> None:
        with httpx.Client(base_url=sandbox.url, timeout=30) as c:
            for _ in range(60):
                response = c.post(f"/collections/{name}/points/query", json={"query": [1.0] * 8, "limit": 5})
                if response.status_code != 200:
                    errors.append(response.text)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    deadline = time.monotonic() + 10
    count = 0
    while time.monotonic() < deadline:  # wait=false writes are applied in the background
        count = client.count(name).count
        if count == 2000:
            break
        time.sleep(0.05)
    assert count == 2000
    assert client.retrieve(name, ids=[3049])[0].id == 3049
    client.delete_collection(name)
