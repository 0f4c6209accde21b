"""allure results of real runs: labels, evidence attachments, environment and categories, read back through
allure's own generator (allure-commandline from npm, on Java) where it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO

pytestmark = pytest.mark.integration

ALLURE = REPO / ".golive" / "allure" / "node_modules" / ".bin" / "allure"  # `make allure` puts it there


def _results(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]


def _labels(result: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in result["labels"]:
        out.setdefault(label["name"], []).append(label["value"])
    return out


def test_allure_results_carry_id_severity_area_and_the_load_evidence(report_runs: Any) -> None:
    run = report_runs["NO-GO"]
    results = {_labels(r)["golive_label"][0]: r for r in _results(run.run_dir)}
    assert set(results) == {c["label"] for c in run.summary["checks"]}
    readyz = _labels(results["GL-HEALTH-003"])
    assert (readyz["as_id"], readyz["severity"], readyz["feature"]) == (["GL-HEALTH-003"], ["blocker"], ["health"])
    assert readyz["epic"] == ["qdrant go-live checklist"]
    assert results["GL-HEALTH-003"]["status"] == "failed"
    assert _labels(results["GL-PERF-010"])["severity"] == ["normal"]  # a warning
    latency = results["GL-PERF-001[p95 < 10ms]"]
    # the gate's text, not the Gate object's repr (allure quotes strings)
    assert {p["name"]: p["value"] for p in latency["parameters"]} == {"latency_gate": "'p95 < 10ms'"}
    attachments = {a["name"]: a["source"] for a in latency["attachments"]}
    assert set(attachments) == {"load result.json", "load result-series.csv"}
    series = (run.run_dir / "allure-results" / attachments["load result-series.csv"]).read_text()
    assert series.startswith("second,elapsed,ok,errors,late,p50,p95,p99")
    environment = (run.run_dir / "allure-results" / "environment.properties").read_text()
    assert "golive.verdict=NO-GO" in environment
    assert "target.sandbox=true" in environment
    names = [c["name"] for c in json.loads((run.run_dir / "allure-results" / "categories.json").read_text())]
    assert any(n.startswith("Waived") for n in names)
    assert "Target unreachable" in names


def test_waived_and_not_run_blockers_are_marked_for_allure(report_runs: Any) -> None:
    waived = next(r for r in _results(report_runs["GO"].run_dir) if _labels(r)["as_id"] == ["GL-PERF-001"])
    assert waived["status"] == "skipped"
    assert waived["statusDetails"]["message"].startswith("WAIVED until ")
    assert "R. Lead (SRE)" in waived["statusDetails"]["message"]
    not_run = next(r for r in _results(report_runs["INCONCLUSIVE"].run_dir) if _labels(r)["as_id"] == ["GL-PERF-002"])
    assert not_run["statusDetails"]["message"].startswith("NOT RUN (blocker, no waiver names it): full-rate load")


def test_allure_generates_its_html_report_from_a_run(report_runs: Any, tmp_path: Path) -> None:
    if not ALLURE.exists() or not shutil.which("java"):
        pytest.skip(f"the allure command line is not installed ({ALLURE}; `make allure` needs npm and Java)")
    run = report_runs["NO-GO"]
    out = tmp_path / "allure-report"
    proc = subprocess.run(
        [str(ALLURE), "generate", str(run.run_dir / "allure-results"), "-o", str(out)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "widgets" / "summary.json").read_text())
    checks = run.summary["checks"]
    assert summary["statistic"]["total"] == len(checks)
    assert summary["statistic"]["failed"] + summary["statistic"]["broken"] >= 2  # readyz and the latency gate
    environment = {e["name"]: e["values"] for e in json.loads((out / "widgets" / "environment.json").read_text())}
    assert environment["golive.verdict"] == ["NO-GO"]
    cases = [json.loads(p.read_text()) for p in (out / "data" / "test-cases").glob("*.json")]
    readyz = next(c for c in cases if any(x["name"] == "as_id" and x["value"] == "GL-HEALTH-003" for x in c["labels"]))
    assert readyz["status"] == "failed"
    assert readyz["extra"]["severity"] == "blocker"
    assert (out / "index.html").exists()
