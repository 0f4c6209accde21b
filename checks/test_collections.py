"""Collections: the expected set exists, unchanged in shape, green, fully indexed and filled."""

from __future__ import annotations

import pytest

from golive.probes.collections import CollectionState, ExpectedCollection, describe_vectors, vector_drift

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-COL-001", severity="blocker")
def test_expected_collection_exists(
    observed_collection: CollectionState | None, expected_collection: ExpectedCollection
) -> None:
    """The collection exists."""
    assert observed_collection is not None, f"collection {expected_collection.name!r} does not exist"


@pytest.mark.check("GL-COL-002", severity="blocker")
def test_vector_config_matches(collection: CollectionState, expected_collection: ExpectedCollection) -> None:
    """Its vectors (unnamed or named, each size and distance) and sparse vectors (and modifiers) match the config
    (no drift)."""
    drift = vector_drift(expected_collection.dense, collection.vectors)
    drift += vector_drift(expected_collection.sparse, collection.sparse_vectors, sparse=True)
    wanted = describe_vectors(expected_collection.dense, expected_collection.sparse)
    seen = describe_vectors(collection.vectors, collection.sparse_vectors)
    assert not drift, f"collection {collection.name!r}: {'; '.join(drift)}; expected vectors {wanted}, seen {seen}"


@pytest.mark.check("GL-COL-003", severity="blocker")
def test_status_is_green(collection: CollectionState) -> None:
    """Its status is green."""
    assert collection.status == "green", f"collection {collection.name!r} is {collection.status}; expected green"


@pytest.mark.check("GL-COL-004", severity="blocker")
def test_optimizer_is_ok(collection: CollectionState) -> None:
    """Its optimizer reports ok."""
    assert collection.optimizer_ok, (
        f"collection {collection.name!r} optimizer reports an error: {collection.optimizer_error}; expected ok"
    )


@pytest.mark.check("GL-COL-005", severity="blocker")
def test_point_count_meets_minimum(collection: CollectionState, expected_collection: ExpectedCollection) -> None:
    """It holds at least the configured minimum number of points."""
    assert collection.points_count >= expected_collection.min_points, (
        f"collection {collection.name!r} holds {collection.points_count} points; "
        f"expected at least {expected_collection.min_points}"
    )


@pytest.mark.check("GL-COL-006", severity="blocker")
def test_indexing_is_complete(collection: CollectionState) -> None:
    """Its HNSW index covers the points above the indexing threshold."""
    if collection.indexing_threshold_kb == 0:
        pytest.skip(f"collection {collection.name!r} has indexing switched off (indexing_threshold 0)")
    assert collection.indexing_complete, (
        f"collection {collection.name!r} has {collection.indexed_vectors_count} of {collection.points_count} "
        f"vectors indexed: {collection.unindexed_vectors} ({collection.unindexed_kb:.0f} KB) not indexed; "
        f"expected at most the indexing threshold of {collection.indexing_threshold_kb} KB per segment "
        f"({collection.segments_count} segments: {collection.unindexed_allowance_kb} KB) unindexed"
    )
