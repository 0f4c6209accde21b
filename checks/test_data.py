"""Data integrity: a write is read back exactly, found by search, counted and deleted (in a probe collection)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.integrity import write_read_probe
from golive.probes.probe_collections import probe_name
from golive.target import Target

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DATA-001", severity="blocker")
def test_written_points_read_back_exactly(qdrant: Target, golive_config: Settings, run_dir: Path) -> None:
    """Points upserted with wait=true read back by id equal, are found by their own vector, counted and deleted."""
    if not golive_config.allow.probe_writes:
        pytest.skip("probe writes are not allowed for this environment (allow.probe_writes: false)")
    seen = write_read_probe(qdrant.call, probe_name(run_dir.name, "integrity"))
    (run_dir / "write-read-probe.json").write_text(json.dumps(asdict(seen), indent=2), encoding="utf-8")
    assert not seen.problems, (
        f"write/read probe in {seen.collection} ({seen.points} points): "
        + "; ".join(seen.problems)
        + f"; expected every point read back equal, found first and gone after delete ({seen.timings})"
    )
