"""checks/test_baselines.py run as an SRE would (pytest in a subprocess) against the sandbox: a regression
against earlier baselines of the same target and server version is a warning, and the verdict stays GO."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NAMES = ("query", "retrieve", "count", "upsert")
CHECKS = dict(zip(("GL-PERF-010", "GL-PERF-011", "GL-PERF-012", "GL-PERF-013"), NAMES, strict=True))


def _baseline(directory: Path, run_id: str, created: str, target: str, version: str, median: float) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    timings = {name: {"median": median} for name in NAMES}
    data = {"run_id": run_id, "created": created, "target": target, "version": version, "timings": timings}
    (directory / f"{run_id}.json").write_text(json.dumps(data))


def test_a_regression_against_the_same_targets_baselines_is_a_warning_with_the_numbers_and_go(
    load_sandbox, run_checks, tmp_path
):
    """All four baselines (query, retrieve, count, upsert) regress against impossibly fast earlier runs: each of
    GL-PERF-010..013 is a failed warning naming its own operation and figures, and the verdict stays GO."""
    url = load_sandbox.url
    version = str(httpx.get(f"{url}/").json()["version"])
    reports = tmp_path / "reports"
    benchmarks = reports / "env" / "benchmarks"
    for i in range(3):  # earlier runs against this very target and version, impossibly fast (2 µs)
        _baseline(benchmarks, f"20260101T00000{i}Z-same", f"2026-01-01T00:00:0{i}+00:00", url, version, 2e-6)
    # a newer run of another target: never compared, or it would pass everything (10 s medians)
    _baseline(benchmarks, "20260201T000000Z-other", "2026-02-01T00:00:00+00:00", "http://elsewhere:6333", version, 10)
    config = {
        "target": {"url": url, "grpc_port": None, "timeout": "5s"},
        "collections": [{"name": "documents", "vector_size": 384, "distance": "Cosine", "min_points": 1}],
        "load": {"collection": "documents", "baseline_rounds": 5},
        "allow": {"probe_writes": True},
    }
    run = run_checks(config, "test_baselines.py", reports)
    output, summary = run.output, run.summary
    assert run.code == 0, output[-3000:]
    assert summary["verdict"] == "GO"
    by_label = {c["label"]: c for c in summary["checks"]}
    assert set(by_label) == set(CHECKS), by_label
    for label, name in CHECKS.items():  # each item fails for its own operation, with its own figures
        check = by_label[label]
        assert (check["outcome"], check["severity"]) == ("failed", "warning"), check
        message = check["message"]
        assert message.startswith(f"{name}: median "), message
        assert f"vs 2 µs, the median of the last 3 baselines of {url} (server version {version})" in message
        assert "allowed (load.baseline_regression)" in message
        assert not any(f"{other}: median" in message for other in NAMES if other != name), message
    saved = json.loads((benchmarks / f"{summary['run_id']}.json").read_text())
    assert (saved["target"], saved["version"]) == (url, version)
    assert set(saved["timings"]) == set(NAMES)
