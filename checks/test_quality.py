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
    """recall@k of the default search against exact search meets the collection's recall_goal."""
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
    seen = measure_recall(qdrant.call, collection.name, golive_config.recall)
    evidence = run_dir / "recall"
    evidence.mkdir(exist_ok=True)
    document = asdict(seen) | {"recall": seen.recall, "goal": goal}
    (evidence / f"{collection.name}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert not seen.misses(goal), (
        f"collection {collection.name!r}: {seen.describe()}; expected at least {goal} (recall_goal): "
        f"even the upper bound misses it"
    )
