"""The fault document merges, validates before changing anything, and clears."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from golive.sandbox.faults import DEFAULTS, FaultError, Faults, precise_sleep


def test_defaults_have_the_documented_shape() -> None:
    assert Faults().to_json() == {
        "latency_ms": 0,
        "jitter_ms": 0,
        "error_rate": 0.0,
        "paths": None,
        "not_ready": False,
        "hang": False,
        "collections": {},
        "issues": [],
        "cluster": None,
        "snapshot_failure": False,
        "snapshot_checksum_wrong": False,
        "restore_damage": None,
        "search_recall": {},
        "stale_backups": {},
        "missing_copies": [],
        "drop_writes": False,
        "auth": None,
    }
    assert set(DEFAULTS) == set(Faults().to_json())


def test_put_merges_only_the_given_keys() -> None:
    f = Faults()
    f.merge({"latency_ms": 5})
    f.merge({"error_rate": 0.5, "collections": {"docs": {"status": "red", "optimizer_error": "disk full"}}})
    state = f.to_json()
    assert state["latency_ms"] == 5
    assert state["error_rate"] == 0.5
    assert state["collections"] == {"docs": {"status": "red", "optimizer_error": "disk full"}}
    f.clear()
    assert f.to_json() == DEFAULTS


@pytest.mark.parametrize(
    "bad",
    [
        {"latency_ms": -1},
        {"error_rate": 1.5},
        {"hang": "yes"},
        {"paths": ["collections"]},
        {"collections": {"x": {"status": "blue"}}},
        {"cluster": {"peers": 2, "dead_peers": 3}},
        {"cluster": {"peers": 3, "shard_state": "Zombie"}},
        {"issues": [{"description": "no id"}]},
        {"nonsense": 1},
        {"snapshot_checksum_wrong": 1},
        {"restore_damage": "explode"},
        {"search_recall": {"faq": 1.5}},
        {"search_recall": ["faq"]},
        {"stale_backups": {"faq": -3}},
        {"missing_copies": "faq"},
    ],
)
def test_invalid_documents_change_nothing(bad: dict[str, object]) -> None:
    f = Faults()
    f.merge({"latency_ms": 3})
    with pytest.raises(FaultError):
        f.merge({"jitter_ms": 1, **bad})
    assert f.to_json()["latency_ms"] == 3
    assert f.to_json()["jitter_ms"] == 0


def test_paths_limit_where_faults_apply_and_sandbox_paths_are_exempt() -> None:
    f = Faults()
    assert f.applies("/collections/x")
    assert not f.applies("/__sandbox/faults")
    f.merge({"paths": ["/collections/"]})
    assert f.applies("/collections/x/points/query")
    assert not f.applies("/healthz")


def test_delay_stays_within_latency_plus_jitter() -> None:
    f = Faults()
    f.merge({"latency_ms": 5, "jitter_ms": 2})
    delays = [f.delay_s() for _ in range(200)]
    assert all(0.005 <= d <= 0.007 for d in delays)
    assert max(delays) - min(delays) > 0.001


def test_error_rate_extremes() -> None:
    f = Faults()
    assert not any(f.should_fail() for _ in range(100))
    f.merge({"error_rate": 1.0})
    assert all(f.should_fail() for _ in range(100))


def _uvloop_run(coro: Coroutine[Any, Any, list[float]]) -> list[float]:
    uvloop = pytest.importorskip("uvloop")  # uvicorn uses it when installed
    result: list[float] = uvloop.run(coro)
    return result


@pytest.mark.parametrize("run", [asyncio.run, _uvloop_run], ids=["asyncio", "uvloop"])
def test_precise_sleep_is_accurate_to_a_fraction_of_a_millisecond(
    run: Callable[[Coroutine[Any, Any, list[float]]], list[float]],
) -> None:
    """uvloop's loop.time() is a cached millisecond clock: a deadline on it made 5 ms measure 5.9 ms."""

    async def measure() -> list[float]:
        out = []
        for _ in range(20):
            start = time.perf_counter()
            await precise_sleep(0.005)
            out.append(time.perf_counter() - start)
        return out

    samples = sorted(run(measure()))
    median = samples[len(samples) // 2]
    assert 0.005 <= median < 0.0056, median


def test_hang_releases_when_cleared() -> None:
    async def scenario() -> bool:
        f = Faults()
        f.merge({"hang": True})
        waiter = asyncio.create_task(f.wait_while_hanging())
        await asyncio.sleep(0.01)
        blocked = not waiter.done()
        f.clear()
        await asyncio.wait_for(waiter, 1.0)
        return blocked

    assert asyncio.run(scenario())


def test_search_recall_skips_the_share_of_neighbours_it_takes_away() -> None:
    f = Faults()
    f.merge({"search_recall": {"faq": 0.6}})
    assert (f.search_skip("faq", 10), f.search_skip("faq", 5), f.search_skip("documents", 10)) == (4, 2, 0)


def test_auth_fault_takes_only_the_documented_breakages() -> None:
    f = Faults()
    f.merge({"auth": "keyless"})
    assert f.to_json()["auth"] == "keyless"
    with pytest.raises(FaultError, match="auth must be null or one of"):
        f.merge({"auth": "everything"})
