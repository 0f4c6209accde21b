"""Named dense and sparse vectors through qdrant-client (the judge of Qdrant's shapes): create and info, upsert
(points and batch), query with ``using``, sparse and hybrid (prefetch + RRF) queries, the older search API,
scroll and retrieve with vectors selected by name, snapshots, the hybrid demo collection, and Qdrant's texts for
what is refused (4xx naming the field or vector, never a 500)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient, models

from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxHandle

DIM, TITLE = 8, 3


def _dense(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(n)]


def _sparse(rng: random.Random) -> models.SparseVector:
    indices = sorted(rng.sample(range(50), rng.randint(1, 6)))
    return models.SparseVector(indices=indices, values=[rng.uniform(0.1, 2.0) for _ in indices])


@pytest.fixture
def hybrid(client: QdrantClient) -> Iterator[str]:
    """A collection with two named dense vectors (each its own distance and HNSW) and an IDF sparse vector, with
    40 points upserted as points and 10 as a batch."""
    name = f"hybrid_{uuid.uuid4().hex[:8]}"
    client.create_collection(
        name,
        vectors_config={
            "dense": models.VectorParams(size=DIM, distance=models.Distance.COSINE),
            "title": models.VectorParams(
                size=TITLE, distance=models.Distance.EUCLID, hnsw_config=models.HnswConfigDiff(m=4, ef_construct=32)
            ),
        },
        sparse_vectors_config={"text": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    rng = random.Random(3)
    points = [
        models.PointStruct(
            id=i,
            vector={"dense": _dense(rng, DIM), "title": _dense(rng, TITLE), "text": _sparse(rng)},
            payload={"i": i},
        )
        for i in range(40)
    ]
    for pid in (7, 9):  # a term only this point has
        text = points[pid].vector["text"]  # type: ignore[index]
        points[pid].vector["text"] = models.SparseVector(  # type: ignore[index]
            indices=[*text.indices, 1000 + pid], values=[*text.values, 1.0]
        )
    client.upsert(name, points=points, wait=True)
    batch = models.Batch(
        ids=list(range(40, 50)),
        vectors={"dense": [_dense(rng, DIM) for _ in range(10)], "text": [_sparse(rng) for _ in range(10)]},
        payloads=[{"i": i} for i in range(40, 50)],
    )
    client.upsert(name, points=batch, wait=True)
    yield name
    if client.collection_exists(name):
        client.delete_collection(name)


def test_info_has_each_named_vector_and_the_sparse_config(client: QdrantClient, hybrid: str) -> None:
    info = client.get_collection(hybrid)
    vectors = info.config.params.vectors
    assert isinstance(vectors, dict)
    assert (vectors["dense"].size, vectors["dense"].distance) == (DIM, models.Distance.COSINE)
    assert vectors["dense"].hnsw_config is None
    assert (vectors["title"].size, vectors["title"].distance) == (TITLE, models.Distance.EUCLID)
    assert vectors["title"].hnsw_config is not None
    assert (vectors["title"].hnsw_config.m, vectors["title"].hnsw_config.ef_construct) == (4, 32)
    sparse = info.config.params.sparse_vectors
    assert sparse is not None
    assert sparse["text"].modifier == models.Modifier.IDF
    assert info.points_count == 50


def test_scroll_and_retrieve_select_vectors_by_name(client: QdrantClient, hybrid: str) -> None:
    records, _ = client.scroll(hybrid, limit=50, with_vectors=True)
    by_id = {r.id: r.vector for r in records}
    assert isinstance(by_id[0], dict)
    assert set(by_id[0]) == {"dense", "title", "text"}
    assert set(by_id[45]) == {"dense", "text"}  # the batch gave no title: a named vector may be absent
    assert isinstance(by_id[0]["text"], models.SparseVector)
    assert len(by_id[0]["dense"]) == DIM
    [only_title] = client.retrieve(hybrid, ids=[1], with_vectors=["title"])
    assert isinstance(only_title.vector, dict)
    assert set(only_title.vector) == {"title"}
    [none] = client.retrieve(hybrid, ids=[1], with_vectors=False)
    assert none.vector is None
    [sparse_only] = client.retrieve(hybrid, ids=[2], with_vectors=["text"])
    assert isinstance(sparse_only.vector, dict)
    stored = sparse_only.vector["text"]
    assert isinstance(stored, models.SparseVector)
    assert stored.indices == by_id[2]["text"].indices


def test_query_by_each_named_vector_finds_the_point_itself(client: QdrantClient, hybrid: str) -> None:
    records, _ = client.scroll(hybrid, limit=50, with_vectors=True)
    vec = {r.id: r.vector for r in records}[7]
    assert isinstance(vec, dict)
    for using in ("dense", "title"):
        found = client.query_points(hybrid, query=vec[using], using=using, limit=3).points
        assert found[0].id == 7, using
    exact = client.query_points(
        hybrid, query=vec["dense"], using="dense", limit=5, search_params=models.SearchParams(exact=True)
    ).points
    assert exact[0].id == 7
    rare = models.SparseVector(indices=[1007], values=[1.0])
    sparse = client.query_points(hybrid, query=rare, using="text", limit=5, with_vectors=["text"]).points
    assert [p.id for p in sparse] == [7]  # only points sharing a term score
    assert isinstance(sparse[0].vector, dict)
    assert set(sparse[0].vector) == {"text"}
    common = client.query_points(hybrid, query=vec["text"], using="text", limit=50).points
    shared = {r.id for r in records if set(r.vector["text"].indices) & set(vec["text"].indices)}  # type: ignore[index]
    assert {p.id for p in common} == shared
    assert [p.score for p in common] == sorted((p.score for p in common), reverse=True)
    by_id = client.query_points(hybrid, query=7, using="title", limit=3).points
    assert 7 not in [p.id for p in by_id]  # a query by point id leaves the point out, as Qdrant does
    assert len(by_id) == 3


def test_hybrid_prefetch_with_rrf_fuses_dense_and_sparse(client: QdrantClient, hybrid: str) -> None:
    records, _ = client.scroll(hybrid, limit=50, with_vectors=True)
    vec = {r.id: r.vector for r in records}
    dense_of_3, sparse_of_9 = vec[3]["dense"], models.SparseVector(indices=[1009], values=[1.0])  # type: ignore[index]
    prefetch = [
        models.Prefetch(query=dense_of_3, using="dense", limit=5),
        models.Prefetch(query=sparse_of_9, using="text", limit=5),
    ]
    fused = client.query_points(hybrid, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.RRF), limit=4)
    ids = [p.id for p in fused.points]
    assert {3, 9} <= set(ids), ids  # each side's own best point ranks in the fusion
    assert fused.points[0].score >= fused.points[-1].score
    weighted = client.query_points(hybrid, prefetch=prefetch, query=models.RrfQuery(rrf=models.Rrf(k=60)), limit=4)
    assert {3, 9} <= {p.id for p in weighted.points}
    dbsf = client.query_points(hybrid, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=4)
    assert len(dbsf.points) == 4


def test_older_search_api_takes_the_named_form(http: httpx.Client, client: QdrantClient, hybrid: str) -> None:
    records, _ = client.scroll(hybrid, limit=50, with_vectors=True)
    vec = {r.id: r.vector for r in records}[11]
    assert isinstance(vec, dict)
    body = {"vector": {"name": "title", "vector": vec["title"]}, "limit": 2}
    found = http.post(f"/collections/{hybrid}/points/search", json=body)
    assert found.status_code == 200, found.text
    assert models.ScoredPoint(**found.json()["result"][0]).id == 11
    sparse = vec["text"]
    assert isinstance(sparse, models.SparseVector)
    sparse_body = {"vector": {"name": "text", "vector": sparse.model_dump()}, "limit": 2}
    found = http.post(f"/collections/{hybrid}/points/search", json=sparse_body)
    assert found.status_code == 200, found.text
    assert found.json()["result"][0]["id"] == 11


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, str(response.json()["status"]["error"])


def test_refusals_are_qdrants_texts_never_500(http: httpx.Client, hybrid: str) -> None:
    q, pts = f"/collections/{hybrid}/points/query", f"/collections/{hybrid}/points?wait=true"
    no_name = "Wrong input: Not existing vector name error: "
    vec, sparse_usage = [0.1] * DIM, "Wrong input: Wrong usage of sparse vectors"
    dense_a = {"a": {"size": 4, "distance": "Dot"}}
    new = "/collections/named_refused"
    cases: list[tuple[str, str, Any, int, str]] = [
        ("POST", q, {"query": vec, "using": "x"}, 400, no_name + "x"),
        ("POST", q, {"query": vec}, 400, no_name),  # no unnamed vector in this collection
        ("POST", q, {"query": [0.1] * 3, "using": "dense"}, 400,
         "Wrong input: Vector dimension error: expected dim: 8, got 3"),
        ("POST", q, {"query": vec, "using": "text"}, 400, sparse_usage),
        ("POST", q, {"query": {"indices": [1], "values": [1.0]}, "using": "dense"}, 400, sparse_usage),
        ("POST", q, {"query": {"indices": [1, 2], "values": [1.0]}, "using": "text"}, 422,
         "Validation error in JSON body: [query.values: must be the same length as indices]"),
        ("POST", q, {"prefetch": [{"query": vec, "using": "dense"}], "limit": 3}, 400,
         "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query."),
        ("POST", q, {"prefetch": {"query": vec, "using": "dense"}, "query": {"fusion": "rrf"}, "using": "dense"},
         400, "Bad request: Fusion queries cannot be combined with the 'using' field."),
        ("POST", q, {"query": [vec], "using": "dense"}, 400,
         "Bad request: query: multivector queries are not supported by the golive sandbox"),
        ("POST", f"/collections/{hybrid}/points", {"ids": [1], "with_vector": ["nope"]}, 400, no_name + "nope"),
        ("POST", f"/collections/{hybrid}/points/scroll", {"with_vector": ["dense", "nope"]}, 400, no_name + "nope"),
        ("PUT", pts, {"points": [{"id": 1, "vector": {"x": vec}}]}, 400, no_name + "x"),
        ("PUT", pts, {"points": [{"id": 1, "vector": vec}]}, 400, no_name),
        ("PUT", pts, {"points": [{"id": 1, "vector": {"text": {"indices": [3, 3], "values": [1.0, 2.0]}}}]}, 422,
         "Validation error in JSON body: [points[0].vector.text.indices: must be unique]"),
        ("PUT", pts, {"batch": {"ids": [1, 2], "vectors": {"dense": [vec]}}}, 400,
         "Bad request: batch.vectors.dense must be a list with one vector per id"),
        ("PUT", new, {"vectors": {"a": {**dense_a["a"], "multivector_config": {"comparator": "max_sim"}}}},
         400, "Bad request: vectors.a.multivector_config is not supported by the golive sandbox"),
        ("PUT", new, {"vectors": dense_a, "sparse_vectors": {"a": {}}},
         400, "Wrong input: Vector name 'a' is used by both a dense and a sparse vector"),
        ("PUT", new, {"vectors": dense_a, "sparse_vectors": {"s": {"modifier": "bm25"}}}, 400,
         "Bad request: unknown variant 'bm25' in sparse_vectors.s.modifier, expected one of ['idf', 'none']"),
        ("PATCH", f"/collections/{hybrid}", {"sparse_vectors": {"text": {"modifier": "none"}}}, 400,
         "Bad request: updating sparse_vectors is not supported by the golive sandbox"),
    ]  # fmt: skip
    for method, path, body, status, text in cases:
        assert _error(http.request(method, path, json=body)) == (status, text), body
    assert http.get(new).status_code == 404
    assert http.post(f"/collections/{hybrid}/points/count", json={}).json()["result"]["count"] == 50


def test_snapshot_round_trip_keeps_dense_and_sparse(client: QdrantClient, http: httpx.Client, hybrid: str) -> None:
    before = {r.id: (r.payload, r.vector) for r in client.scroll(hybrid, limit=100, with_vectors=True)[0]}
    snap = client.create_snapshot(hybrid)
    assert snap is not None
    data = http.get(f"/collections/{hybrid}/snapshots/{snap.name}").content
    copy = f"{hybrid}_copy"
    upload = http.post(f"/collections/{copy}/snapshots/upload?wait=true", files={"snapshot": (snap.name, data)})
    assert upload.status_code == 200, upload.text
    try:
        after = {r.id: (r.payload, r.vector) for r in client.scroll(copy, limit=100, with_vectors=True)[0]}
        assert after == before
        assert client.get_collection(copy).config.params == client.get_collection(hybrid).config.params
        sparse = before[5][1]["text"]  # type: ignore[index]
        assert client.query_points(copy, query=sparse, using="text", limit=1).points[0].id == 5
    finally:
        client.delete_collection(copy)


def test_hybrid_demo_collection_is_indexed_and_searchable(
    client: QdrantClient, demo_scale: float, sandbox: SandboxHandle
) -> None:
    [spec] = [c for c in DEMO_COLLECTIONS if c.sparse]
    info = client.get_collection(spec.name)
    assert info.points_count == spec.points_at(demo_scale)
    vectors = info.config.params.vectors
    assert isinstance(vectors, dict)
    assert {n: (v.size, v.distance.value) for n, v in vectors.items()} == {
        v.name: (v.size, v.distance) for v in spec.named
    }
    assert info.config.params.sparse_vectors is not None
    assert set(info.config.params.sparse_vectors) == set(spec.sparse)
    # every named dense vector and every sparse one is indexed for every point
    assert info.indexed_vectors_count == info.points_count * (len(spec.named) + len(spec.sparse))
    [point] = client.retrieve(spec.name, ids=[3], with_vectors=True)
    assert isinstance(point.vector, dict)
    for v in spec.named:
        hits = client.query_points(spec.name, query=point.vector[v.name], using=v.name, limit=1).points
        assert hits[0].id == 3
    text = point.vector["text"]
    fused = client.query_points(
        spec.name,
        prefetch=[
            models.Prefetch(query=point.vector["dense"], using="dense", limit=20),
            models.Prefetch(query=text, using="text", limit=20),
        ],
        query=models.FusionQuery(fusion=models.Fusion.RRF),
        limit=5,
    )
    assert fused.points[0].id == 3


FUZZ_VALUES: list[Any] = [
    None, 0, -1, 1.5, "x", "", "dense", "title", "text", "nope", [], [1.0] * DIM, [1.0] * TITLE, [[1.0] * DIM], {},
    {"indices": [], "values": []}, {"indices": [4294967295], "values": [1.0]}, {"indices": [1, 2], "values": [1.0]},
    {"indices": [-1], "values": [1.0]}, {"indices": [1.5], "values": [1]}, {"indices": [1, 1], "values": [1, 2]},
    {"fusion": "rrf"}, {"fusion": "x"}, {"rrf": {"k": 0}}, {"rrf": {"k": 5, "weights": [1, 2]}}, {"rrf": {}},
    {"nearest": [1.0] * DIM}, {"nearest": {"indices": [3], "values": [1]}}, 3, True, {"recommend": {}},
]  # fmt: skip
QUERY_KEYS = ("query", "using", "prefetch", "limit", "with_vector", "score_threshold", "params", "offset")


def test_random_named_and_sparse_bodies_never_give_a_500(http: httpx.Client, hybrid: str) -> None:
    """Queries, searches, retrieves and upserts with random names, sparse shapes, prefetches and fusions."""
    rng = random.Random(11)
    for _ in range(300):
        body: dict[str, Any] = {k: rng.choice(FUZZ_VALUES) for k in rng.sample(QUERY_KEYS, rng.randint(0, 5))}
        if "prefetch" in body and rng.random() < 0.6:
            keys = ["query", "using", "limit", "prefetch"]
            picks = [rng.sample(keys, rng.randint(0, 3)) for _ in range(rng.randint(0, 3))]
            body["prefetch"] = [{k: rng.choice(FUZZ_VALUES) for k in pick} for pick in picks]
        endpoint = rng.choice(["query", "search", "scroll", "retrieve", "query/batch"])
        if endpoint == "search":
            name = rng.choice(["dense", "text", "x", ""])
            body = {"vector": {"name": name, "vector": rng.choice(FUZZ_VALUES)}, "limit": 3}
        elif endpoint == "retrieve":
            body = {"ids": [1, 2], "with_vector": body.get("with_vector")}
        elif endpoint == "query/batch":
            body = {"searches": [body]}
        path = f"/collections/{hybrid}/points" + ("" if endpoint == "retrieve" else f"/{endpoint}")
        response = http.post(path, json=body)
        assert response.status_code < 500, (path, body, response.text)
    for _ in range(150):
        names = rng.sample(["dense", "title", "text", "x", ""], rng.randint(0, 3))
        vector = {name: rng.choice(FUZZ_VALUES) for name in names}
        point = {"id": rng.choice([1, 2, 10_000, -1, "x"]), "vector": rng.choice([vector, rng.choice(FUZZ_VALUES)])}
        response = http.put(f"/collections/{hybrid}/points?wait=true", json={"points": [point]})
        assert response.status_code < 500, (point, response.text)
    assert http.get("/readyz").status_code == 200
    assert http.post(f"/collections/{hybrid}/points/query", json={"query": [0.1] * DIM, "using": "dense"}).is_success
