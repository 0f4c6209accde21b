"""The gates against the sandbox: each scenario runs clean, and an injected fault breaks its own gate."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest

from golive.load.judge import TrustLimits, judge, verdict
from golive.load.runner import LoadRunError, RunSpec, run
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


HYBRID = "hybrid_articles"  # the demo's collection with named dense vectors and a sparse vector


@pytest.mark.parametrize("vector", ["dense", "title"])
def test_a_scenario_queries_the_named_vector_it_targets(sandbox_faults, vector):
    """No unnamed vector in the collection: a query without ``using`` would be a 400 (an error in the result)."""
    result = run(_spec(sandbox_faults.url, collection=HYBRID, vector=vector, rate=50.0, duration=2.0))
    assert result.counts["ok"] == result.counts["scheduled"] > 0, result.data["error_kinds"]


def test_a_vector_the_collection_lacks_stops_the_run_naming_it(sandbox_faults):
    with pytest.raises(LoadRunError, match=r"no dense vector 'nope' \(it has \['dense', 'title'\]\)"):
        run(_spec(sandbox_faults.url, collection=HYBRID, vector="nope", rate=20.0, duration=1.0))
    with pytest.raises(LoadRunError, match="has no dense vector 'text'"):  # a sparse vector is not a query vector
        run(_spec(sandbox_faults.url, collection=HYBRID, vector="text", rate=20.0, duration=1.0))


def test_the_hybrid_scenario_fuses_dense_and_sparse_and_breaks_its_error_gate(sandbox_faults):
    clean = run(_spec(sandbox_faults.url, scenario="hybrid", collection=HYBRID, rate=50.0, duration=2.0))
    assert clean.counts["ok"] == clean.counts["scheduled"] > 0, clean.data["error_kinds"]
    assert verdict(clean, [Gate.parse("errors < 0.1%")], LENIENT) == Verdict.GO
    sandbox_faults.set_faults(error_rate=0.3, paths=[f"/collections/{HYBRID}/points/query"])
    broken = run(_spec(sandbox_faults.url, scenario="hybrid", collection=HYBRID, vector="title"))
    errors = judge(broken, GATES)[1]
    assert not errors.passed
    assert 0.15 < errors.measured < 0.45


def test_the_hybrid_scenario_refuses_a_collection_without_sparse_vectors(sandbox_faults):
    with pytest.raises(LoadRunError, match="needs a collection with sparse vectors; 'documents' has none"):
        run(_spec(sandbox_faults.url, scenario="hybrid", rate=20.0, duration=1.0))
