"""Search quality: the default search finds the neighbours exact search finds (read-only)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.collections import CollectionState, ExpectedCollection
from golive.probes.recall import measure_recall
from golive.target import Target

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-QUAL-001", severity="blocker")
def test_search_recall_meets_goal(
    qdrant: Target,
    golive_config: Settings,
    collection: CollectionState,
    expected_collection: ExpectedCollection,
    run_dir: Path,
) -> None:
    """recall@k of the default search against exact search meets the collection's recall_goal, on each dense
    vector (sparse search is exact: no recall to measure)."""
    if collection.indexing_threshold_kb == 0:
        pytest.skip(
            f"collection {collection.name!r} has indexing switched off: every search is exact, recall says nothing"
        )
    if not collection.indexing_complete:
        pytest.skip(
            f"collection {collection.name!r} is not fully indexed ({collection.indexed_vectors_count} of "
            f"{collection.points_count} vectors): recall would describe a half-built index (GL-COL-006 reports it)"
        )
    goal = expected_collection.recall_goal
    evidence = run_dir / "recall"
    evidence.mkdir(exist_ok=True)
    missed = []
    for vector in collection.dense_names:  # each named dense vector ("" alone: the unnamed one)
        seen = measure_recall(qdrant.call, collection.name, golive_config.recall, using=vector or None)
        document = asdict(seen) | {"recall": seen.recall, "goal": goal}
        stem = f"{collection.name}.{vector}" if vector else collection.name
        (evidence / f"{stem}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
        if seen.misses(goal):
            missed.append(seen.describe())
    assert not missed, (
        f"collection {collection.name!r}: {'; '.join(missed)}; expected at least {goal} (recall_goal) for every "
        "dense vector: even the upper bound misses it"
    )
