"""Baselines per environment: the previous run is the newest other file; regressions beyond the allowance."""

from __future__ import annotations

import json

from golive.load.baselines import BaselineStore


def _write(directory, run_id, created, median):
    directory.mkdir(parents=True, exist_ok=True)
    data = {"run_id": run_id, "created": created, "timings": {"query": {"median": median}}}
    (directory / f"{run_id}.json").write_text(json.dumps(data))


def test_the_first_baseline_has_nothing_to_regress_against(tmp_path):
    store = BaselineStore(tmp_path / "benchmarks", "run-1")
    assert store.regression("query", 0.002, 0.2) is None
    store.record("query", {"median": 0.002})
    saved = store.save()
    assert saved is not None
    assert json.loads(saved.read_text())["timings"]["query"]["median"] == 0.002


def test_a_median_slower_than_the_newest_previous_baseline_beyond_the_allowance_is_reported(tmp_path):
    directory = tmp_path / "benchmarks"
    _write(directory, "old", "2026-01-01T00:00:00+00:00", 0.001)
    _write(directory, "newer", "2026-02-01T00:00:00+00:00", 0.002)
    store = BaselineStore(directory, "now")
    assert store.previous_run == "newer"
    assert store.regression("query", 0.0023, 0.2) is None  # +15%
    message = store.regression("query", 0.0025, 0.2)
    assert message is not None
    assert "+25%" in message
    assert "2.00 ms" in message
    assert "20% allowed" in message
