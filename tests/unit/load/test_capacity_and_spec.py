"""Capacity stepping with a fake runner; run specs, ceilings and the child command lines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from golive.config import Settings
from golive.load.capacity import find_capacity, rates
from golive.load.results import LoadResult
from golive.load.runner import RunSpec, auto_users, command, spec_from_settings
from golive.load.slo import Gate
from golive.outcomes import Verdict

from .test_judge import make_result

SPEC = RunSpec(scenario="search", host="http://127.0.0.1:1", rate=100.0, duration=5.0, max_rate=2000.0)


def test_rates_grow_geometrically_up_to_the_ceiling():
    assert rates(100, 2.0, 1000) == [100, 200, 400, 800]


def test_capacity_is_the_highest_rate_before_a_gate_broke():
    def fake(spec: RunSpec) -> LoadResult:
        return make_result(latency=0.004 if spec.rate < 700 else 0.02)

    outcome = find_capacity(SPEC, [Gate.parse("p95 < 10ms")], 100, 2.0, 5.0, run=fake)
    assert [s.verdict for s in outcome.steps] == [Verdict.GO, Verdict.GO, Verdict.GO, Verdict.NO_GO]
    assert outcome.highest_held == 400
    assert "400 req/s" in outcome.describe()


def test_capacity_limited_by_the_generator_is_reported_as_at_least():
    def fake(spec: RunSpec) -> LoadResult:
        return make_result(cpu=99.0 if spec.rate > 300 else 20.0)

    outcome = find_capacity(SPEC, [Gate.parse("p95 < 10ms")], 100, 2.0, 5.0, run=fake)
    assert outcome.steps[-1].verdict == Verdict.INCONCLUSIVE
    assert "at least 200 req/s" in outcome.describe()


def test_rate_and_duration_ceilings_are_enforced():
    with pytest.raises(ValueError, match="max_rate"):
        replace(SPEC, rate=5000.0).checked()
    with pytest.raises(ValueError, match="max_duration"):
        replace(SPEC, duration=700.0).checked()


def test_users_default_to_enough_for_100_ms_per_request():
    assert auto_users(1000) == 100
    assert auto_users(10) == 20
    assert SPEC.checked().users == 20


def test_one_process_runs_in_process_and_more_use_locusts_own_processes_or_master(tmp_path):
    single = command(SPEC.checked(), tmp_path / "r.json")
    assert single[1:3] == ["-m", "golive.load.generator.engine"]
    assert "--golive-rate=100.0" in single
    multi = command(replace(SPEC, processes=2).checked(), tmp_path / "r.json")
    assert multi[1:3] == ["-m", "locust"]
    assert "--processes" in multi
    master = command(replace(SPEC, master=True, expect_workers=3).checked(), tmp_path / "r.json")
    assert master[master.index("--expect-workers") + 1] == "3"
    assert not any("api-key=" in a or "api_key=" in a for a in master)  # the key travels only in the environment


def test_spec_from_settings_uses_the_load_section_and_overrides():
    settings = Settings.model_validate({"env": "t", "target": {"url": "http://127.0.0.1:9"}, "load": {"rate": "300/s"}})
    spec = spec_from_settings(settings, duration=3.0)
    assert (spec.host, spec.rate, spec.duration, spec.scenario) == ("http://127.0.0.1:9", 300.0, 3.0, "search")


def test_the_named_vector_to_query_travels_from_load_vector_to_the_generator(tmp_path):
    load = {"collection": "hybrid_articles", "vector": "title"}
    settings = Settings.model_validate({"env": "t", "target": {"url": "http://127.0.0.1:9"}, "load": load})
    spec = spec_from_settings(settings)
    assert (spec.collection, spec.vector) == ("hybrid_articles", "title")
    assert "--golive-vector=title" in command(spec.checked(), tmp_path / "r.json")
    assert spec_from_settings(settings, vector="dense").vector == "dense"  # --vector overrides load.vector
    plain = spec_from_settings(Settings.model_validate({"env": "t", "target": {"url": "http://127.0.0.1:9"}}))
    assert not any(a.startswith("--golive-vector") for a in command(plain.checked(), tmp_path / "r.json"))
