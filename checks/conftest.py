"""Fixtures shared by the checklist areas (the plugin provides golive_config, qdrant and run_dir)."""

from __future__ import annotations

import pytest

from golive.config import ExpectedCollection
from golive.probes.collections import CollectionState, collection_state
from golive.target import Target


@pytest.fixture(scope="session")
def _collection_states() -> dict[str, CollectionState | None]:
    return {}


@pytest.fixture
def observed_collection(
    qdrant: Target, expected_collection: ExpectedCollection, _collection_states: dict[str, CollectionState | None]
) -> CollectionState | None:
    """What Qdrant reports for the expected collection (read once per run), or None when it is missing."""
    name = expected_collection.name
    if name not in _collection_states:
        _collection_states[name] = collection_state(qdrant, name)
    return _collection_states[name]


@pytest.fixture
def collection(observed_collection: CollectionState | None, expected_collection: ExpectedCollection) -> CollectionState:
    """The expected collection's state; items about a missing collection skip (GL-COL-001 reports it)."""
    if observed_collection is None:
        pytest.skip(f"collection {expected_collection.name!r} does not exist (reported by GL-COL-001)")
    return observed_collection
