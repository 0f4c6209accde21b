"""Synthetic run folders for the report's tests: a summary of any size and a load run of any length."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from golive.load.histograms import encode, new_histogram
from golive.report import history

AREAS = ("health", "collections", "security", "backups", "monitoring", "performance", "system", "service")
CODES = {"health": "HEALTH", "collections": "COL", "security": "SEC", "backups": "SNAP", "monitoring": "MON",
         "performance": "PERF", "system": "SYS", "service": "SVC"}  # fmt: skip


def check(check_id: str, outcome: str, severity: str = "blocker", param: str | None = None, **extra: Any) -> dict:
    area = next((a for a, c in CODES.items() if check_id.startswith(f"GL-{c}-")), "other")
    label = f"{check_id}[{param}]" if param else check_id
    return {
        "id": check_id, "label": label, "param": param, "severity": severity, "outcome": outcome,
        "nodeid": f"checks/test_{area}.py::test_{check_id.lower().replace('-', '_')}" + (f"[{param}]" if param else ""),
        "title": f"The {area} item {label} holds.", "duration": 0.01,
        "message": extra.pop("message", "" if outcome == "passed" else f"observed something wrong on {label}"),
        "waiver": extra.pop("waiver", None),
    }  # fmt: skip


def summary(run_id: str, checks: list[dict], *, env: str = "synthetic", verdict: str = "GO", reasons=()) -> dict:
    counts: dict[str, int] = {}
    for c in checks:
        counts[c["outcome"]] = counts.get(c["outcome"], 0) + 1
    return {
        "schema_version": 1, "run_id": run_id, "env": env, "config": "config/synthetic.yaml",
        "target": {"url": "http://127.0.0.1:6333", "sandbox": False,
                   "server": {"title": "qdrant", "version": "1.15.0", "commit": "abc123", "sandbox": None}},
        "started_at": "2026-12-02T10:00:00+00:00", "finished_at": "2026-12-02T10:11:00+00:00", "duration": 660.0,
        "verdict": verdict, "exit_code": {"GO": 0, "NO-GO": 1, "INCONCLUSIVE": 6}[verdict],
        "reasons": list(reasons), "counts": counts, "checks": checks,
        "suite_version": "0.1.0", "config_sha256": "0" * 64, "ran_by": "ci@build-7",
    }  # fmt: skip


def load_result(seconds: int, warmup: int, rate: int = 1000, seed: int = 1) -> dict:
    """A load run of ``seconds`` one-second rows and an HDR latency histogram of ``rate * seconds`` samples."""
    rnd = random.Random(seed)
    hist = new_histogram()
    series = []
    for s in range(seconds):
        base = 0.004 + (0.002 if s < warmup else 0.0)
        series.append({"second": 1764669600 + s, "elapsed": s, "ok": rate - rnd.randint(0, 20),
                       "errors": rnd.choice((0, 0, 0, 1)), "late": rnd.choice((0, 0, 2)),
                       "p50": base + rnd.random() * 0.0005, "p95": base * 1.6 + rnd.random() * 0.001,
                       "p99": base * 2.2 + rnd.random() * 0.002, "max": base * 4,
                       "cpu_max": 40 + rnd.random() * 10})  # fmt: skip
    for _ in range(5000):
        hist.record_value(int(rnd.lognormvariate(8.4, 0.35)))  # µs: ~4.4 ms median, a tail to ~20 ms
    steady = seconds - warmup
    return {
        "scenario": "search", "collection": "documents", "rate": rate, "duration": steady, "warmup": warmup,
        "counts": {"scheduled": rate * steady, "sent": rate * steady, "ok": rate * steady - 12, "errors": 12,
                   "late": 40, "unfinished": 0, "not_sent": 0},
        "summary": {"latency": {"count": 5000, "p50": 0.0044, "p90": 0.0068, "p95": 0.0077, "p99": 0.0098,
                                "p99.9": 0.0131, "max": 0.02, "mean": 0.0047}},
        "histograms": {"latency": encode(hist)},
        "generator_cpu": {"local-1": 41.5, "local-2": 39.0},
        "series": series,
        "trust": {"trusted": True, "reasons": [], "limits": {}},
        "gates": [
            {"gate": "p95 < 10ms", "measured": 0.0077, "passed": True, "message": "p95 7.70 ms < 10 ms"},
            {"gate": "throughput >= 1000/s", "measured": 991.2, "passed": False,
             "message": "throughput 991.2/s; expected >= 1000/s"},
            {"gate": "errors < 0.1%", "measured": 0.00002, "passed": True, "message": "errors 0.002% < 0.1%"},
        ],
        "derived": {"throughput": 991.2, "sent_rate": 1000.0, "error_rate": 0.00002, "behind": 0.0004},
    }  # fmt: skip


def big_run(env_dir: Path, items: int = 500, seconds: int = 600, warmup: int = 30) -> Path:
    """A NO-GO run of ``items`` items across the areas with a ``seconds``-long load run, history and baselines."""
    checks = []
    for i in range(items):
        area = AREAS[i % len(AREAS)]
        outcome = "failed" if i % 97 == 5 else "skipped" if i % 89 == 7 else "passed"
        checks.append(check(f"GL-{CODES[area]}-{100 + i // 40:03d}", outcome, param=f"p{i}"))
    failed = [c["label"] for c in checks if c["outcome"] == "failed"]
    run_id = "20261202T100000Z-big000"
    run_dir = env_dir / run_id
    (run_dir / "load").mkdir(parents=True)
    data = summary(run_id, checks, env=env_dir.name, verdict="NO-GO", reasons=[f"blocker failed: {x}" for x in failed])
    (run_dir / "summary.json").write_text(json.dumps(data))
    (run_dir / "load" / "result.json").write_text(json.dumps(load_result(seconds, warmup)))
    bench = env_dir / "benchmarks"
    bench.mkdir()
    for n in range(12):
        day = dt.datetime(2026, 11, 20 + n // 2, 10 + n % 2, tzinfo=dt.UTC)
        rid = f"{day:%Y%m%dT%H%M%SZ}-b{n:05d}" if n < 11 else run_id
        timings = {op: {"median": 0.0004 * (1 + 0.05 * ((n * 7 + k) % 5))} for k, op in enumerate(("query", "count"))}
        (bench / f"{rid}.json").write_text(json.dumps({
            "run_id": rid, "created": day.isoformat(), "target": "http://127.0.0.1:6333", "version": "1.15.0",
            "timings": timings}))  # fmt: skip
    earlier = summary("20261201T100000Z-old000", [dict(c, outcome="passed") for c in checks], env=env_dir.name)
    earlier["started_at"] = "2026-12-01T10:00:00+00:00"
    (env_dir / "20261201T100000Z-old000").mkdir()
    history.append(env_dir / "20261201T100000Z-old000", earlier)
    history.append(run_dir, data)
    return run_dir
