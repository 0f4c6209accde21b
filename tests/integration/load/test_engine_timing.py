"""The engine measured against a stub whose truth is known: a fixed delay, a hang, an overload."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from support.ports import free_port

from golive.load.histograms import percentile_of
from golive.load.judge import TrustLimits, assess_trust
from golive.load.reference import http_request, open_loop
from golive.load.runner import LoadRunError, RunSpec, child_env, command, run, scenario_path

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BASE = RunSpec(scenario="search", host="", rate=100.0, duration=3.0, warmup=1.0, grace=2.0, timeout=5.0)


def test_a_fixed_5ms_delay_is_measured_at_p50_5ms_within_half_a_millisecond(stub):
    """5 ms +- 0.5 ms, and within 0.5 ms of the minimal raw-socket reference client (golive.load.reference)
    measuring the same stub in the same test. The stub sleeps to a perf_counter deadline (the loop's own
    timers and a thread's sleep made it answer 0.6-0.9 ms late)."""
    url = stub(delay_ms=5)
    host, port = url.rsplit("/", 1)[-1].split(":")
    request = http_request(host, int(port), "POST", "/collections/stub/points/query", b'{"query":[1]}', {})
    ref = open_loop(host, int(port), request, rate=100, duration=3, warmup=1)
    ref_p50 = percentile_of(ref.latencies, 50)
    result = run(replace(BASE, host=url))
    assert result.counts["ok"] == result.counts["scheduled"] == 300
    p50 = result.summary("latency")["p50"]
    assert p50 == pytest.approx(0.005, abs=0.0005), f"engine p50 {p50}, reference p50 {ref_p50}"
    assert p50 == pytest.approx(ref_p50, abs=0.0005)
    assert result.summary("service")["p50"] == pytest.approx(p50, abs=0.0003)
    assert result.summary("server")["p50"] == pytest.approx(20e-6, abs=2e-6)  # the stub's own `time`


def test_a_pool_too_small_for_the_rate_is_inconclusive_not_a_latency_verdict(stub):
    result = run(replace(BASE, host=stub(delay_ms=20), rate=300.0, users=2))
    trust = assess_trust(result)
    assert not trust.trusted
    assert "all 2 users were busy" in str(trust)


def test_a_generator_out_of_cpu_is_inconclusive(stub):
    spec = replace(BASE, host=stub(), rate=60000.0, users=300, duration=2.0, max_rate=60000.0)
    trust = assess_trust(run(spec))
    assert not trust.trusted
    assert "fell behind schedule" in str(trust) or "CPU" in str(trust)


def test_a_hanging_target_cannot_hold_the_run_past_duration_and_grace(stub):
    spec = replace(BASE, host=stub(hang_after=0.5), timeout=60.0)
    started = time.monotonic()
    result = run(spec)
    elapsed = time.monotonic() - started
    assert elapsed < spec.warmup + spec.duration + spec.grace + 8.0
    assert result.counts["ok"] == 0
    assert result.error_rate == 1.0
    assert result.counts["not_sent"] + result.counts["unfinished"] > 0
    assert not assess_trust(result).trusted


def test_two_local_processes_merge_into_one_result(stub):
    result = run(replace(BASE, host=stub(delay_ms=1), rate=400.0, processes=2))
    assert len(result.data["generators"]) == 2
    assert result.counts["scheduled"] == pytest.approx(1200, abs=12)
    assert result.counts["ok"] == result.counts["sent"]
    assert sum(row["ok"] for row in result.data["series"]) >= result.counts["ok"]
    assert assess_trust(result, TrustLimits(max_behind=0.2)).trusted


def test_ctrl_c_keeps_the_partial_result(stub, tmp_path):
    spec = replace(BASE, host=stub(delay_ms=1), duration=30.0).checked()
    out = tmp_path / "result.json"
    proc = subprocess.Popen(command(spec, out), env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(4.0)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=15)
    assert proc.stderr is not None
    proc.stderr.close()
    data = json.loads(out.read_text())
    assert data["interrupted"] is True
    assert data["counts"]["ok"] > 100


def test_an_unreachable_target_fails_fast_with_one_line():
    started = time.monotonic()
    with pytest.raises(LoadRunError, match=r"^load setup against http://127\.0\.0\.1:9 failed: ConnectionRefused"):
        run(replace(BASE, host="http://127.0.0.1:9"))
    assert time.monotonic() - started < 10


def test_a_master_merges_the_histograms_of_workers_started_elsewhere(stub, tmp_path):
    """Locust's distributed mode: the driver runs the master; a worker joins as it would from another host."""
    url = stub(delay_ms=1)
    spec = replace(BASE, host=url, rate=200.0, master=True, expect_workers=1, master_bind_port=free_port())
    worker_cmd = [sys.executable, "-m", "locust", "-f", str(scenario_path("search")), "--worker",
                  "--master-host", "127.0.0.1", "--master-port", str(spec.master_bind_port)]  # fmt: skip
    worker = subprocess.Popen(worker_cmd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = run(spec)
    finally:
        worker.wait(timeout=20)
    assert result.data["mode"] == "master"
    assert [g.split("-")[0] for g in result.data["generators"]] == ["worker"]
    assert result.counts["ok"] == result.counts["scheduled"] == pytest.approx(600, abs=6)
    assert result.summary("latency")["p50"] == pytest.approx(0.0015, abs=0.0015)


def test_a_target_that_cannot_keep_up_fails_the_throughput_gate_no_go_with_its_real_completion_rate(stub):
    """20 users and 200 ms per request: the target completes ~100/s against 200/s intended. Throughput is
    measured as completions (about 100/s, not the intended rate scaled), and the gate is NO-GO, not
    INCONCLUSIVE: the only doubt is that every user was busy waiting on the target."""
    from golive.load.judge import decide
    from golive.load.slo import Gate
    from golive.outcomes import Verdict

    result = run(replace(BASE, host=stub(delay_ms=200), rate=200.0, users=20))
    decided, trust, (outcome,) = decide(result, [Gate.parse("throughput >= 180/s")])
    assert 70.0 <= result.throughput <= 105.0, result.counts
    assert outcome.measured == result.throughput
    assert not outcome.passed
    assert trust.pool_only, str(trust)
    assert decided == Verdict.NO_GO


def test_the_engine_ends_with_its_parent_when_the_parent_is_killed(stub, tmp_path):
    """SIGKILL of the process that drives the run (pytest, the CLI) must not leave the engine sending load.
    The killed driver cannot remove its work dir, so it is made under tmp_path, not in the system temp dir."""
    import psutil

    url = stub()
    code = (
        "from pathlib import Path\n"
        "from golive.load.runner import RunSpec, run\n"
        f"run(RunSpec(scenario='search', host={url!r}, rate=20.0, duration=12.0, warmup=0.0, grace=1.0),\n"
        f"    workdir=Path({str(tmp_path)!r}))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], env=child_env())
    engine = None
    try:
        deadline = time.monotonic() + 20
        while engine is None and time.monotonic() < deadline:
            found = [
                p
                for p in psutil.Process(parent.pid).children()
                if "golive.load.generator.engine" in " ".join(p.cmdline())
            ]
            engine = found[0] if found else None
            time.sleep(0.1)
        assert engine is not None, "the engine never started"
        time.sleep(2.0)  # sending by now
        assert engine.is_running()
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=5)
        started = time.monotonic()
        engine.wait(timeout=6)  # psutil.TimeoutExpired if it outlives its parent
        assert time.monotonic() - started < 6
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=5)
        if engine is not None and engine.is_running():
            engine.kill()
    assert [p.name[: len("golive-load-")] for p in tmp_path.iterdir()] == ["golive-load-"]  # the dir was here
