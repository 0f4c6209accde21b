"""The run as Prometheus metrics: ``metrics.prom`` for node_exporter's textfile collector, and an optional push
to a Pushgateway (``report.pushgateway_url``; job ``golive``, grouped by env).

    write(run_dir, summary)                         # always
    push(url, summary, run_dir, timeout=5.0)        # when configured; raises PushError with the reason
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

from golive.report.evidence import load_result

VERDICTS = ("GO", "NO-GO", "INCONCLUSIVE")
OUTCOMES = ("passed", "failed", "error", "skipped", "inconclusive", "waived")
JOB = "golive"


class PushError(Exception):
    """The Pushgateway did not take the metrics."""


def registry(summary: dict[str, Any], run_dir: Path) -> CollectorRegistry:
    reg = CollectorRegistry()
    env = str(summary.get("env", ""))
    verdict = Gauge("golive_verdict", "1 for the run's verdict, 0 for the others", ["env", "verdict"], registry=reg)
    for name in VERDICTS:
        verdict.labels(env, name).set(1 if summary.get("verdict") == name else 0)
    Gauge("golive_exit_code", "the run's documented exit code", ["env"], registry=reg).labels(env).set(
        float(summary.get("exit_code", -1))
    )
    Gauge("golive_run_duration_seconds", "wall time of the run", ["env"], registry=reg).labels(env).set(
        float(summary.get("duration") or 0)
    )
    finished = summary.get("finished_at")
    if finished:
        import datetime as dt

        stamp = dt.datetime.fromisoformat(str(finished)).timestamp()
        Gauge("golive_run_finished_timestamp_seconds", "when the run ended", ["env"], registry=reg).labels(env).set(
            stamp
        )
    check = Gauge(
        "golive_check_outcome",
        "1 for the item's outcome, 0 for the others",
        ["env", "id", "label", "severity", "outcome"],
        registry=reg,
    )
    for c in summary.get("checks", []):
        for outcome in OUTCOMES:
            check.labels(env, c["id"], c["label"], c["severity"], outcome).set(1 if c["outcome"] == outcome else 0)
    counts = Gauge("golive_checks", "checklist items by outcome", ["env", "outcome"], registry=reg)
    for outcome in OUTCOMES:
        counts.labels(env, outcome).set(int(summary.get("counts", {}).get(outcome, 0)))
    load = load_result(run_dir)
    if load.get("gates"):
        measured = Gauge("golive_load_gate_measured", "the gate's measured value", ["env", "gate"], registry=reg)
        passed = Gauge("golive_load_gate_passed", "1 when the gate held", ["env", "gate"], registry=reg)
        for g in load["gates"]:
            if isinstance(g.get("measured"), int | float):
                measured.labels(env, g["gate"]).set(float(g["measured"]))
            passed.labels(env, g["gate"]).set(1 if g.get("passed") else 0)
        trusted = Gauge("golive_load_trusted", "1 when the load generator could be trusted", ["env"], registry=reg)
        trusted.labels(env).set(1 if load.get("trust", {}).get("trusted") else 0)
        derived = load.get("derived", {})
        for key, help_text in (("throughput", "successful requests per second, steady window"),
                               ("error_rate", "errors over answered requests, steady window")):  # fmt: skip
            if isinstance(derived.get(key), int | float):
                Gauge(f"golive_load_{key}", help_text, ["env"], registry=reg).labels(env).set(float(derived[key]))
    return reg


def write(run_dir: Path, summary: dict[str, Any]) -> Path:
    path = run_dir / "metrics.prom"
    write_to_textfile(os.fspath(path), registry(summary, run_dir))  # atomic: temp file, then rename
    return path


def push(url: str, summary: dict[str, Any], run_dir: Path, timeout: float = 5.0) -> None:
    try:
        push_to_gateway(
            url, job=JOB, registry=registry(summary, run_dir), grouping_key={"env": str(summary.get("env"))},
            timeout=timeout,
        )  # fmt: skip
    except OSError as err:  # URLError, connection refused, timeouts
        raise PushError(f"push to the Pushgateway at {url} failed: {err}") from None
