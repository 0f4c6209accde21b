"""Performance: the load gates of ``thresholds.gates``, judged on one open-model run at ``load.rate``.

The run (``load.scenario``, default search) happens once per session; each configured gate is its own item.
Latency is measured from each request's intended send time (coordinated omission corrected) with µs
percentiles, over the steady window after the warm-up. A load generator that ran out of CPU or fell behind
its schedule makes every gate INCONCLUSIVE. Evidence: ``<run_dir>/load/result.json`` and
``result-series.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.config import Settings
from golive.load.gating import LoadSession, skip_reason
from golive.load.slo import Gate
from golive.target import Target

pytestmark = [pytest.mark.golive, pytest.mark.load]
# One item per configured gate of the test's kind (thresholds.gates): checks/conftest.py parametrizes
# latency_gate, throughput_gate and error_gate through the pytest_golive_generate_tests hook.


@pytest.fixture(scope="session")
def load_session(golive_config: Settings, qdrant: Target, run_dir: Path) -> LoadSession:
    """The session's load run at the target rate (skipped where the config does not allow full load)."""
    reason = skip_reason(golive_config)
    if reason:
        pytest.skip(reason)
    qdrant.get("/collections")  # an unreachable target fails here, with the plugin's one line, not INCONCLUSIVE
    return LoadSession.start(golive_config, host=qdrant.url, evidence_dir=run_dir / "load", run_id=run_dir.name)


@pytest.mark.check("GL-PERF-001", severity="blocker")
def test_latency_stays_under_target_at_target_rate(load_session: LoadSession, latency_gate: Gate) -> None:
    """Search latency percentiles stay under their targets at the target rate."""
    outcome = load_session.judge(latency_gate)
    assert outcome.passed, outcome.message


@pytest.mark.check("GL-PERF-002", severity="blocker")
def test_throughput_meets_target(load_session: LoadSession, throughput_gate: Gate) -> None:
    """The deployment serves the target request rate successfully."""
    outcome = load_session.judge(throughput_gate)
    assert outcome.passed, outcome.message


@pytest.mark.check("GL-PERF-003", severity="blocker")
def test_error_rate_stays_under_target_at_target_rate(load_session: LoadSession, error_gate: Gate) -> None:
    """Failed or unanswered requests stay under the error-rate target at the target rate."""
    outcome = load_session.judge(error_gate)
    assert outcome.passed, outcome.message
