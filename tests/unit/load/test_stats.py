"""Statistics from raw samples: µs resolution, coordinated-omission correction, merging across processes."""

from __future__ import annotations

import json
import math

import pytest

from golive.load.generator.recorder import Recorder
from golive.load.histograms import percentile_of
from golive.load.results import Aggregate, LoadResult

WINDOW = (100.0, 110.0)  # steady window; warm-up before 100, "after" from 110


def _meta(rate: float = 10.0) -> dict[str, object]:
    return {"window": WINDOW, "t0": 95.0, "rate": rate, "tolerance": 0.002, "users": 4}


def _record(rec: Recorder, intended: float, latency: float, service: float | None = None, error: str | None = None):
    service = latency if service is None else service
    rec.on_scheduled(intended)
    rec.on_sent(intended, latency - service, pool_exhausted=False)
    rec.on_done(intended, intended + latency, service, 0.001, error, late=False)


def test_percentiles_keep_sub_millisecond_resolution_where_locust_rounds_to_whole_ms():
    assert percentile_of([0.0096] * 100, 50) == pytest.approx(0.0096, abs=10e-6)
    assert percentile_of([0.000640] * 100, 99) == pytest.approx(0.000640, abs=1e-6)


def test_latency_runs_from_the_intended_send_time_and_service_time_from_the_actual_one():
    rec = Recorder(WINDOW, tolerance=0.002)
    for i in range(100):  # sent 20 ms late each time, 5 ms of service
        _record(rec, 100.0 + i * 0.05, latency=0.025, service=0.005)
    agg = Aggregate()
    agg.add("p1", rec.drain())
    data = agg.to_dict(_meta())
    assert data["summary"]["latency"]["p50"] == pytest.approx(0.025, rel=1e-3)
    assert data["summary"]["service"]["p50"] == pytest.approx(0.005, rel=1e-3)
    assert data["summary"]["server"]["p50"] == pytest.approx(0.001, rel=1e-3)
    assert data["counts"]["late"] == 100


def test_a_request_that_left_early_is_timed_from_when_it_left():
    rec = Recorder(WINDOW, tolerance=0.002)
    rec.on_scheduled(101.0)
    rec.on_sent(101.0, -0.0001, pool_exhausted=False)
    rec.on_done(101.0, 101.0049, 0.005, None, None)
    agg = Aggregate()
    agg.add("p", rec.drain())
    assert agg.to_dict(_meta())["summary"]["latency"]["p50"] == pytest.approx(0.005, rel=1e-3)


def test_warmup_and_after_window_samples_are_kept_out_of_the_gate_numbers():
    rec = Recorder(WINDOW, tolerance=0.002)
    _record(rec, 99.9, latency=1.0)  # warm-up: slow, ignored
    _record(rec, 110.1, latency=1.0)  # after the window
    for i in range(10):
        _record(rec, 100.0 + i, latency=0.004)
    agg = Aggregate()
    agg.add("p", rec.drain())
    data = agg.to_dict(_meta())
    assert data["summary"]["latency"]["max"] == pytest.approx(0.004, rel=1e-3)
    assert data["counts"]["scheduled"] == 10
    assert data["warmup_counts"]["ok"] == 1


def test_histograms_from_several_processes_merge_to_the_same_numbers_as_one():
    single, parts = Recorder(WINDOW, 0.002), [Recorder(WINDOW, 0.002) for _ in range(3)]
    for i in range(300):
        latency = 0.001 + (i % 100) * 0.0001
        _record(single, 100.0 + i / 30, latency)
        _record(parts[i % 3], 100.0 + i / 30, latency)
    one, many = Aggregate(), Aggregate()
    one.add("single", json.loads(json.dumps(single.drain())))
    for n, rec in enumerate(parts):  # through JSON, as over locust's messaging
        many.add(f"w{n}", json.loads(json.dumps(rec.drain(before=105.0))))
        many.add(f"w{n}", json.loads(json.dumps(rec.drain())))
    a, b = one.to_dict(_meta()), many.to_dict(_meta())
    assert a["summary"] == b["summary"]
    assert a["counts"] == b["counts"]
    assert sum(r["ok"] for r in a["series"]) == sum(r["ok"] for r in b["series"]) == 300


def test_requests_sent_but_never_answered_count_as_errors():
    rec = Recorder(WINDOW, 0.002)
    for i in range(9):
        _record(rec, 100.0 + i, 0.002)
    rec.on_scheduled(109.0)
    rec.on_sent(109.0, 0.0, False)  # the target hung: no on_done
    agg = Aggregate()
    agg.add("p", rec.drain())
    result = LoadResult.from_dict(agg.to_dict(_meta()))
    assert result.counts["unfinished"] == 1
    assert result.error_rate == pytest.approx(0.1)
    assert agg.total_inflight() == 1


def test_throughput_is_successful_completions_per_second_of_the_steady_window():
    rec = Recorder(WINDOW, 0.002)
    for i in range(100):
        _record(rec, 100.0 + i * 0.1, 0.002, error="HTTP 500" if i < 5 else None)
    for i in range(10):
        rec.on_not_sent(109.5 + i * 0.01)
    agg = Aggregate()
    agg.add("p", rec.drain())
    result = LoadResult.from_dict(agg.to_dict(_meta(rate=11.0)))
    assert result.throughput == pytest.approx(95 / 10)  # completed, not the intended rate scaled by a share
    assert result.metric("errors") == pytest.approx(5 / 100)
    assert result.behind == pytest.approx(10 / 110)
    assert result.data["error_kinds"] == {"HTTP 500": 5}


def test_a_latency_metric_without_any_successful_sample_is_infinite():
    agg = Aggregate()
    agg.add("p", Recorder(WINDOW, 0.002).drain())
    assert math.isinf(LoadResult.from_dict(agg.to_dict(_meta())).metric("p95"))


def test_steady_cpu_is_the_mean_over_the_window_per_process():
    rec = Recorder(WINDOW, 0.002)
    rec.on_cpu(99, 100.0)  # warm-up spike: not counted
    for s in range(100, 110):
        rec.on_cpu(s, 40.0)
    agg = Aggregate()
    agg.add("w0", rec.drain())
    assert agg.steady_cpu(WINDOW) == {"w0": 40.0}


def test_throughput_counts_completions_by_completion_time_not_the_intended_rate():
    """300/s intended but a target that completes only 100/s: throughput is 100/s, whatever was scheduled."""
    rec = Recorder(WINDOW, 0.002)
    for i in range(3000):  # 300/s intended over the 10 s window
        rec.on_scheduled(100.0 + i / 300)
    for i in range(1000):  # the target completes one every 10 ms, the rest are still queued at the end
        intended = 100.0 + i / 300
        rec.on_sent(intended, 0.0, pool_exhausted=True)
        rec.on_done(intended, 100.0 + (i + 1) * 0.00999, 0.2, None, None)
    rec.on_sent(99.9, 0.0, False)  # a warm-up request completing inside the window counts too
    rec.on_done(99.9, 100.5, 0.6, None, None)
    rec.on_sent(109.9, 0.0, False)  # completing after the window does not
    rec.on_done(109.9, 110.2, 0.3, None, None)
    agg = Aggregate()
    agg.add("p", rec.drain())
    result = LoadResult.from_dict(agg.to_dict(_meta(rate=300.0)))
    assert result.throughput == pytest.approx(100.1)
    assert result.metric("throughput") == result.throughput


def test_an_interrupted_run_reports_requests_in_flight_as_unfinished_not_as_errors():
    """Ctrl-C against a healthy target: the 3 requests the stop cut off are not the target's errors."""
    from golive.load.judge import judge_gate
    from golive.load.report import summary_lines
    from golive.load.slo import Gate

    rec = Recorder(WINDOW, 0.002)
    for i in range(192):
        _record(rec, 100.0 + i * 0.01, 0.002)
    for i in range(3):
        rec.on_scheduled(101.92 + i * 0.001)
        rec.on_sent(101.92 + i * 0.001, 0.0, False)  # in flight when the run was stopped
    agg = Aggregate()
    agg.add("p", rec.drain())
    meta = {**_meta(), "window": (100.0, 101.92229), "interrupted": True, "warmup": 1.0}
    result = LoadResult.from_dict(agg.to_dict(meta))
    assert result.counts["unfinished"] == 3
    assert result.error_rate == 0.0
    outcome = judge_gate(result, Gate.parse("errors < 0.1%"))
    assert outcome.passed
    assert "[steady 1.9s at 10/s intended" in outcome.message
    assert "192 ok, 0 errors, 3 unfinished when interrupted (not counted)]" in outcome.message
    lines = "\n".join(summary_lines(result))
    assert "steady window 1.9s after 1s warm-up" in lines
    assert "3 unfinished (interrupted: not counted as errors)" in lines
    not_interrupted = LoadResult.from_dict({**result.data, "interrupted": False})
    assert not_interrupted.error_rate == pytest.approx(3 / 195)  # a run that ended on its own: they are errors


def test_the_error_breakdown_is_the_steady_windows_like_the_counts_with_warmup_errors_apart():
    from golive.load.report import summary_lines

    rec = Recorder(WINDOW, 0.002)
    for i in range(4):  # warm-up: a cold target times out
        _record(rec, 99.0 + i * 0.1, 0.002, error="timeout")
    for i in range(10):
        _record(rec, 100.0 + i, 0.002, error="HTTP 500" if i < 2 else None)
    _record(rec, 110.5, 0.002, error="HTTP 503")  # after the window: neither
    agg = Aggregate()
    agg.add("p", json.loads(json.dumps(rec.drain())))
    result = LoadResult.from_dict(agg.to_dict({**_meta(), "warmup": 5.0}))
    assert result.counts["errors"] == sum(result.data["error_kinds"].values()) == 2
    assert result.data["error_kinds"] == {"HTTP 500": 2}
    assert result.data["warmup_error_kinds"] == {"timeout": 4}
    lines = summary_lines(result)
    assert "errors (steady window): HTTP 500 x2" in lines
    assert "errors during warm-up (not judged): timeout x4" in lines
