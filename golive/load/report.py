"""Evidence of a load run: ``result.json`` (numbers, gates, trust, encoded histograms) and ``series.csv``
(one row per second), plus the terminal lines people read.

    paths = write_evidence(result, outcomes, trust, run_dir / "load")
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from golive.fields import format_duration
from golive.load.judge import GateOutcome, Trust
from golive.load.results import LoadResult

SERIES_FIELDS = ("second", "elapsed", "ok", "errors", "late", "p50", "p95", "p99", "max", "cpu_max")


def _ms(value: Any) -> str:
    return "-" if value is None else format_duration(float(value))


def progress_line(p: dict[str, Any]) -> str:
    """``  12s steady    1000/s ok  p95 5.61 ms  errors 0  late 0  cpu 41%``"""
    cpu = "-" if p.get("cpu") is None else f"{p['cpu']:.0f}%"
    return (
        f"{p['elapsed']:>5}s {p['phase']:<6} {p['ok']:>7}/s ok  p95 {_ms(p.get('p95')):>9}  "
        f"errors {p['errors']}  late {p['late']}  cpu {cpu}"
    )


def summary_lines(result: LoadResult) -> list[str]:
    c = result.counts
    lat, svc, srv = result.summary("latency"), result.summary("service"), result.summary("server")
    cols = ("p50", "p90", "p95", "p99", "p99.9", "max")
    lines = [
        f"scenario {result.data.get('scenario')} on {result.data.get('host')} "
        f"(collection {result.data.get('collection')}), {result.data.get('arrival')} arrivals, "
        f"{result.data.get('users')} users, generators {', '.join(result.data.get('generators', []))}",
        f"steady window {result.window_seconds:.1f}s after {result.data.get('warmup'):g}s warm-up: "
        f"intended {result.rate:g}/s, sent {result.sent_rate:.1f}/s, successful {result.throughput:.1f}/s",
        f"requests: {c['scheduled']} scheduled, {c['sent']} sent, {c['ok']} ok, {c['errors']} errors, "
        + (
            f"{c['unfinished']} unfinished (interrupted: not counted as errors), "
            if result.interrupted
            else f"{c['unfinished']} unanswered, "
        )
        + f"{c['late']} late, {c['not_sent']} not sent",
        "               " + "".join(f"{k:>10}" for k in cols),
    ]
    for label, s in (("latency*", lat), ("service", svc), ("server time", srv)):
        lines.append(f"  {label:<13}" + "".join(f"{_ms(s.get(k)):>10}" for k in cols))
    lines.append("  * from the intended send time (coordinated omission corrected): what the gates judge")
    cpu = result.data.get("generator_cpu", {})
    if cpu:
        lines.append("generator CPU (steady mean): " + ", ".join(f"{k} {v:.0f}%" for k, v in sorted(cpu.items())))
    if result.data.get("error_kinds"):  # the steady window's, as in the counts above
        kinds = result.data["error_kinds"]
        lines.append("errors (steady window): " + ", ".join(f"{k} x{v}" for k, v in kinds.items()))
    if result.data.get("warmup_error_kinds"):
        kinds = result.data["warmup_error_kinds"]
        lines.append("errors during warm-up (not judged): " + ", ".join(f"{k} x{v}" for k, v in kinds.items()))
    return lines


def write_evidence(
    result: LoadResult, outcomes: list[GateOutcome], trust: Trust, directory: Path, stem: str = "result"
) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    data = dict(result.data)
    data["trust"] = {"trusted": trust.trusted, "reasons": trust.reasons, "limits": trust.limits}
    data["gates"] = [
        {"gate": o.gate.text, "measured": o.measured, "passed": o.passed, "message": o.message} for o in outcomes
    ]
    data["derived"] = {
        "throughput": result.throughput,
        "sent_rate": result.sent_rate,
        "error_rate": result.error_rate,
        "behind": result.behind,
    }
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(data, indent=1, default=str))
    csv_path = directory / f"{stem}-series.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SERIES_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in data.get("series", []):
            writer.writerow(row)
    return {"json": json_path, "csv": csv_path}
