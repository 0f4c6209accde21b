"""What the collection items conclude from Qdrant's GET /collections/{name} answer."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from golive.probes.collections import (
    DEFAULT_INDEXING_THRESHOLD_KB,
    ExpectedCollection,
    describe_vectors,
    parse_collection,
    vector_drift,
)


def info(vectors: Any, *, points: int, indexed: int, segments: int = 1, threshold: int | None = 20) -> dict[str, Any]:
    optimizer_config = {} if threshold is None else {"indexing_threshold": threshold}
    return {
        "status": "green",
        "optimizer_status": "ok",
        "points_count": points,
        "indexed_vectors_count": indexed,
        "segments_count": segments,
        "config": {"params": {"vectors": vectors}, "optimizer_config": optimizer_config},
    }


def test_unnamed_vector_and_its_indexing() -> None:
    state = parse_collection("docs", info({"size": 256, "distance": "Cosine"}, points=1000, indexed=990))
    assert (state.vector_size, state.distance, state.named_vectors) == (256, "Cosine", [])
    assert state.unindexed_vectors == 10
    assert state.unindexed_kb == 10.0  # 10 vectors x 256 x 4 bytes
    assert state.indexing_complete  # 10 KB under the 20 KB threshold


def test_each_segment_may_stay_plain_up_to_the_threshold() -> None:
    vectors = {"size": 256, "distance": "Cosine"}
    assert parse_collection("d", info(vectors, points=1000, indexed=950, segments=3)).indexing_complete  # 50 <= 60
    assert not parse_collection("d", info(vectors, points=1000, indexed=930, segments=3)).indexing_complete  # 70


def test_named_vectors_count_each_vector_and_have_no_single_size() -> None:
    vectors = {"text": {"size": 128, "distance": "Dot"}, "image": {"size": 384, "distance": "Cosine"}}
    state = parse_collection("multi", info(vectors, points=100, indexed=100, threshold=10))
    assert state.named_vectors == ["image", "text"]
    assert state.vector_size is None
    assert state.unindexed_vectors == 100  # 200 vectors, 100 indexed
    assert state.unindexed_kb == 100 * 256 * 4 / 1024
    assert not state.indexing_complete


def test_defaults_and_switched_off_indexing() -> None:
    vectors = {"size": 8, "distance": "Euclid"}
    assert parse_collection("d", info(vectors, points=1, indexed=0, threshold=None)).indexing_threshold_kb == (
        DEFAULT_INDEXING_THRESHOLD_KB
    )
    off = parse_collection("d", info(vectors, points=10**6, indexed=0, threshold=0))
    assert off.indexing_complete
    broken = parse_collection("d", {**info(vectors, points=1, indexed=1), "optimizer_status": {"error": "disk full"}})
    assert (broken.optimizer_ok, broken.optimizer_error) == (False, "disk full")


HYBRID = {"dense": {"size": 384, "distance": "Cosine"}, "title": {"size": 128, "distance": "Dot"}}


def test_sparse_vectors_and_their_modifiers_are_read_and_counted_as_indexed() -> None:
    raw = info(HYBRID, points=100, indexed=300, threshold=10)
    raw["config"]["params"]["sparse_vectors"] = {"text": {"modifier": "idf"}, "plain": {}}
    state = parse_collection("hybrid", raw)
    assert state.sparse_vectors == {"text": "idf", "plain": "none"}
    assert state.dense_names == ["dense", "title"]
    assert state.unindexed_vectors == 100  # 4 vectors a point (2 dense, 2 sparse), 300 indexed
    assert parse_collection("hybrid", {**raw, "indexed_vectors_count": 400}).unindexed_vectors == 0


def _expected(**entry: Any) -> ExpectedCollection:
    return ExpectedCollection.model_validate({"name": "c", **entry})


def test_drift_names_each_vector_that_differs() -> None:
    wanted = _expected(vectors=HYBRID, sparse_vectors={"text": {"modifier": "idf"}})
    seen = {"dense": (384, "Cosine"), "title": (256, "Dot"), "extra": (8, "Euclid")}
    assert vector_drift(wanted.dense, seen) == [
        "unexpected vector 'extra' (size 8 Euclid)",
        "vector 'title' is size 256 Dot, expected size 128 Dot",
    ]
    assert vector_drift(wanted.dense, {"dense": (384, "Cosine")}) == [
        "vector 'title' is missing (expected size 128 Dot)"
    ]
    assert vector_drift(wanted.sparse, {"text": "none"}, sparse=True) == [
        "sparse vector 'text' is modifier none, expected modifier idf"
    ]
    assert vector_drift(wanted.sparse, {}, sparse=True) == ["sparse vector 'text' is missing (expected modifier idf)"]
    assert vector_drift(wanted.dense, {"dense": (384, "Cosine"), "title": (128, "Dot")}) == []
    unnamed = _expected(vector_size=4, distance="Dot")
    assert vector_drift(unnamed.dense, HYBRID_SEEN) == [
        "the unnamed vector is missing (expected size 4 Dot)",
        "unexpected vector 'dense' (size 384 Cosine)",
        "unexpected vector 'title' (size 128 Dot)",
    ]
    assert describe_vectors(unnamed.dense, {}) == "size 4 Dot"
    assert describe_vectors(wanted.dense, wanted.sparse) == (
        "{dense: size 384 Cosine, title: size 128 Dot, text: sparse (idf)}"
    )


HYBRID_SEEN = {"dense": (384, "Cosine"), "title": (128, "Dot")}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"vector_size": 4, "distance": "Dot", "vectors": HYBRID}, "not both"),
        ({"vector_size": 4}, "distance is missing"),
        ({"distance": "Dot"}, "vector_size is missing"),
        ({}, "no vectors"),
        ({"vectors": {}}, "vectors is empty"),
        ({"vectors": {"": {"size": 4, "distance": "Dot"}}}, "must not be empty"),
        ({"vectors": HYBRID, "sparse_vectors": {"dense": {}}}, "both dense and sparse"),
        ({"vectors": {"a": {"size": 0, "distance": "Dot"}}}, "greater than 0"),
        ({"vectors": HYBRID, "sparse_vectors": {"s": {"modifier": "bm25"}}}, "'idf' or 'none'"),
    ],
)
def test_impossible_vector_shapes_are_refused(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _expected(**entry)
    assert _expected(sparse_vectors={"s": {}}).dense == {}  # a sparse-only collection is possible
