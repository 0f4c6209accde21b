"""``report.html``: the approver's page for one run, one self-contained file (styles and SVG charts inline, no
script, nothing fetched), rendered from ``templates/report.html.j2`` with the run record and its evidence.

    path = write(run_dir)                 # after summary.json; `golive report RUN_DIR` calls the same
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from golive.report import charts, history, signoff
from golive.report.evidence import area_of, baselines, gate_value, load_result, read_summary
from golive.report.golive_lines import lines as golive_lines
from golive.report.record import redact

BAD = ("failed", "error", "inconclusive")
ORDER = {"failed": 0, "error": 0, "inconclusive": 1, "skipped": 2, "waived": 3, "passed": 4}
TRENDS = 10  # baseline runs shown per operation

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("golive.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.ChainableUndefined,  # older summaries lack the newer optional fields
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(value: Any) -> str:
    """``2026-12-02 16:59:39 UTC`` from an ISO time."""
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{stamp.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


_ENV.filters["gate_value"] = gate_value
_ENV.filters["when"] = when


def _days_left(expires: str | None, today: dt.date) -> int | None:
    try:
        return (dt.date.fromisoformat(str(expires)) - today).days
    except ValueError:
        return None


def reasons(summary: dict[str, Any], today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The banner's lists, in the order an approver reads them."""
    checks = summary["checks"]
    blockers = [c for c in checks if c["severity"] == "blocker"]
    waived = [
        c | {"days_left": _days_left((c.get("waiver") or {}).get("expires"), today)}
        for c in checks
        if c["outcome"] == "waived"
    ]
    return {
        "failed": [c for c in blockers if c["outcome"] in ("failed", "error")],
        "untrusted": [c for c in blockers if c["outcome"] == "inconclusive"],
        "not_run": [c for c in blockers if c["outcome"] == "skipped"],
        "waived": waived,
        "warnings": [c for c in checks if c["severity"] == "warning" and c["outcome"] in BAD],
    }


def areas(checks: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The checklist by area (file), each area's failing items first, then by id."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        grouped.setdefault(area_of(c), []).append(c)
    return [
        (area, sorted(items, key=lambda c: (ORDER.get(c["outcome"], 9), c["label"])))
        for area, items in sorted(grouped.items(), key=lambda kv: min(ORDER.get(c["outcome"], 9) for c in kv[1]))
    ]


def _load(run_dir: Path) -> dict[str, Any] | None:
    data = load_result(run_dir)
    if not data:
        return None
    series = data.get("series", [])
    warmup = float(data.get("warmup") or 0)
    latency = (data.get("summary") or {}).get("latency") or {}
    return {
        "gates": data.get("gates", []),
        "trust": data.get("trust", {}),
        "derived": data.get("derived", {}),
        "counts": data.get("counts", {}),
        "rate": data.get("rate"),
        "warmup": warmup,
        "duration": data.get("duration"),
        "scenario": data.get("scenario"),
        "collection": data.get("collection"),
        "generator_cpu": data.get("generator_cpu", {}),
        "latency": latency,
        "seconds": len(series),
        "latency_svg": charts.latency_over_time(series, warmup),
        "throughput_svg": charts.throughput_over_time(series, warmup),
        "spectrum_svg": charts.percentile_spectrum((data.get("histograms") or {}).get("latency"), latency),
        "files": [p for p in ("load/result.json", "load/result-series.csv") if (run_dir / p).exists()],
    }


def _baselines(run_dir: Path, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation's median over the last runs of the same target and server version, as a trend."""
    server = (summary.get("target") or {}).get("server") or {}
    same = [
        b
        for b in baselines(run_dir.parent)
        if b.get("target") == (summary.get("target") or {}).get("url") and b.get("version") == server.get("version")
    ][-TRENDS:]
    names = sorted({name for b in same for name in b["timings"]})
    out = []
    for name in names:
        points = [
            (str(b.get("run_id", "")), float(b["timings"][name]["median"]))
            for b in same
            if isinstance(b["timings"].get(name), dict) and b["timings"][name].get("median") is not None
        ]
        this = next((v for rid, v in points if rid == summary["run_id"]), None)
        out.append({"name": name, "svg": charts.baseline_trend(name, points), "runs": len(points), "this": this})
    return out


def _baseline_file(run_dir: Path, run_id: str) -> str | None:
    """This run's pytest-benchmark medians, as a link relative to the report."""
    return f"../benchmarks/{run_id}.json" if (run_dir.parent / "benchmarks" / f"{run_id}.json").exists() else None


def context(
    run_dir: Path, secrets: Iterable[str] = (), today: dt.date | None = None, summary: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the template shows; ``summary`` is the run record's (else read from the folder's summary.json)."""
    today = today or dt.date.today()
    summary = summary if summary is not None else read_summary(run_dir)
    runs = history.read(run_dir.parent)
    before = history.previous(runs, summary["run_id"])
    load = _load(run_dir)
    svgs = {k: load.pop(k) for k in ("latency_svg", "throughput_svg", "spectrum_svg")} if load else {}
    ctx: dict[str, Any] = {
        "s": summary,
        "reasons": reasons(summary, today),
        "areas": areas(summary["checks"]),
        "lines": golive_lines(summary["checks"]),
        "load": load,
        "baselines": _baselines(run_dir, summary),
        "history": [r for r in runs if r["run_id"] != summary["run_id"]][-10:],
        "previous": before,
        "changes": history.compare(before.get("outcomes") if before else None, summary),
        "signoffs": [r | {"matches": signoff.still_matches(r, run_dir)} for r in signoff.read(run_dir)],
        "relied_on": signoff.relied_on(summary),
        "files": ["summary.json"]
        + [f for f in ("junit.xml", "metrics.prom", "allure-results") if (run_dir / f).exists()],
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "baseline_file": _baseline_file(run_dir, summary["run_id"]),
    }
    ctx = redact(ctx, list(secrets))  # the summary is redacted already; the evidence and history are not
    if ctx["load"]:
        ctx["load"].update(svgs)  # numbers only
    return dict(ctx)


def render(
    run_dir: Path, secrets: Iterable[str] = (), today: dt.date | None = None, summary: dict[str, Any] | None = None
) -> str:
    return _ENV.get_template("report.html.j2").render(**context(run_dir, secrets, today, summary))


def write(run_dir: Path, secrets: Iterable[str] = (), summary: dict[str, Any] | None = None) -> Path:
    path = run_dir / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render(run_dir, secrets, summary=summary), encoding="utf-8")
    os.replace(tmp, path)
    return path
