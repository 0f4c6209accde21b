"""Performance baselines: single-request timings with fixed rounds (pytest-benchmark), kept per environment
under ``reports/<env>/benchmarks/`` with the target URL and server version; a median slower than the median of
the last 5 baselines of the same target and version by more than ``load.baseline_regression`` and (with 3 or more
earlier runs) beyond 3x their run-to-run spread is a warning (``golive.load.baselines``).
Not meaningful under xdist (pytest-benchmark disables itself)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.config import Settings
from golive.load.baselines import BaselineStore
from golive.probes import probe_collections as probe
from golive.probes.health import server_info
from golive.target import Target, TargetError

pytestmark = [pytest.mark.golive, pytest.mark.benchmark]


def _server_version(qdrant: Target) -> str:
    try:
        return server_info(qdrant).version
    except TargetError:
        return ""


@pytest.fixture(scope="session")
def baseline_store(golive_config: Settings, run_dir: Path, qdrant: Target) -> Iterator[BaselineStore]:
    """This run's baselines, compared with the median of the last runs against the same target URL and server
    version; saved at the end (with that key)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("single-request baselines are not taken under xdist (parallel runs distort timings)")
    store = BaselineStore(
        run_dir.parent / "benchmarks", run_id=run_dir.name, target=qdrant.url, version=_server_version(qdrant)
    )
    yield store
    store.save()


@pytest.fixture(scope="session")
def baseline_sample(golive_config: Settings, qdrant: Target) -> probe.Sample:
    """Stored points of the load collection to query with (read-only)."""
    name = golive_config.load.collection or (golive_config.collections[0].name if golive_config.collections else None)
    call = qdrant.call
    return probe.sample_points(call, probe.pick_collection(call, name), limit=64, using=golive_config.load.vector)


@pytest.fixture
def baseline_probe(
    golive_config: Settings, qdrant: Target, run_dir: Path, baseline_sample: probe.Sample
) -> Iterator[str]:
    """A ``golive_probe_<run-id>_baseline`` collection for the write timing, removed after its item (retried
    once); a leftover fails that item's teardown and is listed in the summary and the terminal."""
    if not golive_config.allow.probe_writes:
        pytest.skip("probe writes are not allowed for this environment (allow.probe_writes: false)")
    call = qdrant.call
    name = probe.probe_name(run_dir.name, "baseline")
    probe.create_probe_collection(call, name, baseline_sample.size, baseline_sample.distance)
    try:
        yield name
    finally:
        leftover = probe.remove_probe_collection(call, name)
        if leftover:
            qdrant.leftovers.append(leftover)
            pytest.fail(f"clean-up: {leftover}", pytrace=False)


def _measure(benchmark: Any, store: BaselineStore, settings: Settings, name: str, fn: Callable[[], None]) -> None:
    __tracebackhide__ = True
    benchmark.pedantic(fn, rounds=settings.load.baseline_rounds, iterations=1, warmup_rounds=3)
    if getattr(benchmark, "disabled", False) or benchmark.stats is None:
        pytest.skip("pytest-benchmark is disabled (--benchmark-disable or xdist)")
    s = benchmark.stats.stats
    samples = [round(float(x), 7) for x in s.data]
    stats = {"median": s.median, "mean": s.mean, "min": s.min, "max": s.max, "stddev": s.stddev, "rounds": s.rounds}
    regression = store.regression(name, s.median, settings.load.baseline_regression, samples)
    stats["samples"] = samples  # type: ignore[assignment]
    store.record(name, stats)
    assert regression is None, regression


def _ok(qdrant: Target, method: str, path: str, body: Any) -> None:
    __tracebackhide__ = True
    response = qdrant.request(method, path, json=body)
    assert response.status_code == 200, f"{method} {path}: HTTP {response.status_code} {response.text[:200]}"


@pytest.mark.check("GL-PERF-010", severity="warning")
def test_single_query_has_not_regressed(benchmark, baseline_store, golive_config, qdrant, baseline_sample) -> None:
    """A single vector query is not slower than the previous baseline beyond the allowed regression."""
    path = f"/collections/{baseline_sample.collection}/points/query"
    using = {"using": baseline_sample.using} if baseline_sample.using else {}

    def query() -> None:
        _ok(qdrant, "POST", path, {"query": random.choice(baseline_sample.vectors), "limit": 10, **using})

    _measure(benchmark, baseline_store, golive_config, "query", query)


@pytest.mark.check("GL-PERF-011", severity="warning")
def test_retrieve_by_id_has_not_regressed(benchmark, baseline_store, golive_config, qdrant, baseline_sample) -> None:
    """Retrieving a point by id is not slower than the previous baseline beyond the allowed regression."""
    path = f"/collections/{baseline_sample.collection}/points"

    def retrieve() -> None:
        _ok(qdrant, "POST", path, {"ids": [random.choice(baseline_sample.ids)], "with_payload": True})

    _measure(benchmark, baseline_store, golive_config, "retrieve", retrieve)


@pytest.mark.check("GL-PERF-012", severity="warning")
def test_count_has_not_regressed(benchmark, baseline_store, golive_config, qdrant, baseline_sample) -> None:
    """Counting a collection's points is not slower than the previous baseline beyond the allowed regression."""
    path = f"/collections/{baseline_sample.collection}/points/count"
    _measure(benchmark, baseline_store, golive_config, "count", lambda: _ok(qdrant, "POST", path, {"exact": True}))


@pytest.mark.check("GL-PERF-013", severity="warning")
def test_upsert_has_not_regressed(
    benchmark, baseline_store, golive_config, qdrant, baseline_sample, baseline_probe
) -> None:
    """An upsert of one point (into the golive probe collection) is not slower than the previous baseline."""
    path = f"/collections/{baseline_probe}/points?wait=true"

    def upsert() -> None:
        point = {"id": random.randrange(1, 2**53), "vector": random.choice(baseline_sample.vectors), "payload": {}}
        _ok(qdrant, "PUT", path, {"points": [point]})

    _measure(benchmark, baseline_store, golive_config, "upsert", upsert)
