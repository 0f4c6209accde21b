"""What the collection items conclude from Qdrant's GET /collections/{name} answer."""

from __future__ import annotations

from typing import Any

from golive.probes.collections import DEFAULT_INDEXING_THRESHOLD_KB, parse_collection


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
