"""The sandbox's named/sparse vector config and query parsing, without a server."""

from __future__ import annotations

from typing import Any

import pytest
import qdrant_edge as qe

from golive.sandbox import queries
from golive.sandbox.protocol import ApiError
from golive.sandbox.vectors import Space, edge_vectors, info_params, parse_config

NAMED = {
    "vectors": {
        "dense": {"size": 4, "distance": "Cosine"},
        "title": {"size": 2, "distance": "Dot", "hnsw_config": {"m": 8, "ef_construct": None}},
    },
    "sparse_vectors": {"text": {"modifier": "idf", "index": {"full_scan_threshold": 500}}},
}
HNSW = {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000, "max_indexing_threads": 0}


def _stored(body: dict[str, Any]) -> dict[str, Any]:
    vectors, sparse = parse_config(body)
    return {"vectors": vectors, **({"sparse_vectors": sparse} if sparse else {})}


def test_named_and_sparse_config_is_stored_shown_and_given_to_qdrant_edge() -> None:
    config = _stored(NAMED)
    assert info_params(config) == {
        "vectors": {"dense": {"size": 4, "distance": "Cosine"},
                    "title": {"size": 2, "distance": "Dot", "hnsw_config": {"m": 8}}},
        "sparse_vectors": {"text": {"index": {"full_scan_threshold": 500}, "modifier": "idf"}},
    }  # fmt: skip
    space = Space.of(config)
    assert (space.dense, space.sparse, space.plain) == ({"dense": 4, "title": 2}, frozenset({"text"}), False)
    edge = qe.EdgeConfig(**edge_vectors(config, HNSW))
    assert edge.vectors["title"].hnsw_config is not None
    assert edge.vectors["title"].hnsw_config.m == 8  # its own HNSW: m overridden, ef_construct the collection's
    assert edge.vectors["title"].hnsw_config.ef_construct == 100
    assert edge.vectors["dense"].hnsw_config is None
    assert edge.sparse_vectors["text"].modifier == qe.Modifier.Idf
    plain = _stored({"vectors": {"size": 3, "distance": "Euclid"}})
    assert Space.of(plain).plain
    assert info_params(plain) == {"vectors": {"size": 3, "distance": "Euclid"}}


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, "missing field `vectors`"),
        ({"vectors": {"a": {"size": 0, "distance": "Dot"}}}, 400, "vectors.a.size must be an integer"),
        ({"vectors": {"a": {"size": 2, "distance": "Dot", "datatype": "uint8"}}}, 400, "vectors.a.datatype is not"),
        ({"vectors": {"a": {"size": 2, "distance": "Dot", "hnsw_config": {"mm": 1}}}}, 400, "['mm'] in vectors.a.hnsw"),
        ({"vectors": {"": {"size": 2, "distance": "Dot"}}}, 422, "vector name must be 1 to 255 characters"),
        ({"sparse_vectors": {"s": {"index": {"datatype": "float16"}}}}, 400, "sparse_vectors.s.index.datatype is not"),
        ({"sparse_vectors": {"s": {"boost": 1}}}, 400, "unknown field(s) ['boost'] in sparse_vectors.s"),
    ],
)  # fmt: skip
def test_config_the_sandbox_cannot_honour_is_refused_naming_the_field(
    body: dict[str, Any], status: int, text: str
) -> None:
    with pytest.raises(ApiError) as err:
        parse_config(body)
    assert err.value.status == status
    assert text in err.value.message


def _never(pid: Any, using: str) -> Any:
    raise AssertionError("no lookup expected")


def test_query_levels_parse_into_qdrant_edge_objects() -> None:
    space = Space.of(_stored(NAMED))
    fused = queries.parse(
        space,
        {"prefetch": [{"query": [1, 0, 0, 0], "using": "dense"},
                      {"query": {"indices": [1], "values": [2]}, "using": "text"}],
         "query": {"rrf": {"k": 60, "weights": [2, 1]}}},
        _never,
    )  # fmt: skip
    assert isinstance(fused.query, qe.Fusion.Rrf)
    assert (fused.query.k, fused.query.weights) == (60, [2.0, 1.0])
    assert fused.prefetches is not None
    assert len(fused.prefetches) == 2
    assert not fused.nearest  # a fusion is not what the search_recall fault degrades
    by_id = queries.parse(space, {"query": 5, "using": "title"}, lambda pid, using: [0.5, 0.5])
    assert (by_id.exclude, by_id.nearest) == (5, True)
    with pytest.raises(ApiError, match="Not existing vector name error: x"):
        queries.parse(space, {"query": 5, "using": "x"}, _never)
    with pytest.raises(ApiError, match="A query is needed to use the score_threshold"):
        queries.parse(space, {"score_threshold": 0.5}, _never)
    with pytest.raises(ApiError, match="must be 1 or larger"):
        queries.parse(
            space, {"prefetch": {"query": [1, 0, 0, 0], "using": "dense"}, "query": {"rrf": {"k": 0}}}, _never
        )
