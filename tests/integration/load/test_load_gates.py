"""The gates against the sandbox: each scenario runs clean, and an injected fault breaks its own gate."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest

from golive.load.judge import TrustLimits, judge, verdict
from golive.load.runner import RunSpec, run
from golive.load.slo import Gate
from golive.outcomes import Verdict

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUERY_PATH = ["/collections/documents/points/query"]
GATES = [Gate.parse("p95 < 10ms"), Gate.parse("errors < 0.1%")]
# CI machines are shared: judge trust generously here; the trust rules have their own tests
LENIENT = TrustLimits(max_cpu=0.99, max_behind=0.5)


def _spec(url: str, **kw: object) -> RunSpec:
    base = RunSpec(scenario="search", host=url, rate=100.0, duration=3.0, warmup=1.0, grace=2.0, collection="documents")
    return replace(base, **kw)  # type: ignore[arg-type]


def test_injected_15ms_latency_turns_the_latency_gate_no_go_with_the_measured_p95(sandbox_faults):
    sandbox_faults.set_faults(latency_ms=15, paths=QUERY_PATH)
    result = run(_spec(sandbox_faults.url))
    latency, errors = judge(result, GATES)
    assert not latency.passed
    assert latency.measured >= 0.015
    assert re.search(r"p95 < 10ms: measured \d+\.\d\d ms, target 10\.00 ms, margin -", latency.message)
    assert f"measured {latency.measured * 1e3:.2f} ms" in latency.message
    assert errors.passed
    assert verdict(result, GATES, LENIENT) == Verdict.NO_GO


def test_injected_errors_turn_the_error_gate_no_go(sandbox_faults):
    sandbox_faults.set_faults(error_rate=0.2, paths=QUERY_PATH)
    result = run(_spec(sandbox_faults.url))
    errors = judge(result, GATES)[1]
    assert not errors.passed
    assert 0.1 < errors.measured < 0.3
    assert any(kind.startswith("HTTP 5") for kind in result.data["error_kinds"])
    assert verdict(result, GATES, LENIENT) == Verdict.NO_GO


@pytest.mark.parametrize("scenario", ["search", "filtered_search", "batch_query", "mixed"])
def test_each_scenario_runs_clean_against_the_sandbox(sandbox_faults, scenario):
    result = run(_spec(sandbox_faults.url, scenario=scenario, rate=50.0, duration=2.0))
    assert result.counts["ok"] == result.counts["scheduled"] > 0, result.data["error_kinds"]
    assert result.summary("server")["count"] == result.counts["ok"]
    if scenario == "mixed":
        assert result.data["probe_collection"].startswith("golive_probe_")
        names = [c["name"] for c in httpx.get(f"{sandbox_faults.url}/collections").json()["result"]["collections"]]
        assert not [n for n in names if n.startswith("golive_probe_")]
