"""The run record's writers read with their own tools: JUnit XML by an XML parser, metrics.prom by
prometheus_client's parser; history, sign-off and report.html from a synthetic run folder."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from golive.report import history, html, junit, prometheus, signoff
from golive.report.summary import redact

SECRET = "s3cr3t-key-value"


def _check(check_id: str, outcome: str, severity: str = "blocker", param: str | None = None, **extra: Any) -> dict:
    label = f"{check_id}[{param}]" if param else check_id
    return {"id": check_id, "label": label, "param": param, "severity": severity, "outcome": outcome,
            "nodeid": f"checks/test_health.py::test_{check_id[-3:]}", "title": f"title {label}", "duration": 0.5,
            "message": extra.get("message", ""), "waiver": extra.get("waiver")}  # fmt: skip


def _summary(run_id: str = "20261202T100000Z-aaaaaa", verdict: str = "NO-GO", checks: list | None = None) -> dict:
    checks = checks or [
        _check("GL-HEALTH-001", "passed"),
        _check("GL-HEALTH-003", "failed", message=f"GET /readyz -> 503 with key {SECRET}"),
        _check("GL-COL-003", "skipped", param="faq", message="collection 'faq' does not exist"),
        _check("GL-PERF-010", "failed", "warning", message="query: median 17 ms vs 1.4 ms"),
        _check("GL-PERF-001", "waived", param="p95 < 10ms", message="not run: allow.full_load: false",
               waiver={"reason": "maintenance window", "approver": "J. Doe", "expires": "2026-12-31",
                       "active": "true"}),
    ]  # fmt: skip
    return {
        "schema_version": 1, "run_id": run_id, "env": "staging", "config": "config/staging.yaml",
        "target": {"url": "http://127.0.0.1:6333", "sandbox": False, "server": {"version": "1.15.0"}},
        "started_at": "2026-12-02T10:00:00+00:00", "finished_at": "2026-12-02T10:00:09+00:00", "duration": 9.0,
        "verdict": verdict, "exit_code": {"GO": 0, "NO-GO": 1, "INCONCLUSIVE": 6}[verdict],
        "reasons": ["blocker failed: GL-HEALTH-003"] if verdict == "NO-GO" else [],
        "counts": {o: sum(c["outcome"] == o for c in checks) for o in {c["outcome"] for c in checks}},
        "checks": checks,
    }  # fmt: skip


def _run_dir(tmp_path: Path, summary: dict | None = None) -> Path:
    summary = summary or _summary()
    run_dir = tmp_path / "staging" / summary["run_id"]
    run_dir.mkdir(parents=True)
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return run_dir


def test_junit_has_each_item_with_id_and_severity_as_properties(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    root = ET.parse(junit.write(run_dir, _summary())).getroot()
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "2", "1")
    cases = {c.get("name", "").split(" ")[0]: c for c in suite.findall("testcase")}
    props = {k: {p.get("name"): p.get("value") for p in c.iter("property")} for k, c in cases.items()}
    assert (
        props["GL-HEALTH-003"].items()
        >= {"check_id": "GL-HEALTH-003", "severity": "blocker", "outcome": "failed"}.items()
    )
    assert props["GL-PERF-010"]["severity"] == "warning"
    assert props["GL-COL-003[faq]"]["param"] == "faq"
    assert "maintenance window" in props["GL-PERF-001[p95"]["waiver"]
    assert cases["GL-HEALTH-003"].find("failure") is not None
    assert cases["GL-COL-003[faq]"].find("skipped") is not None
    assert cases["GL-HEALTH-001"].find("failure") is None
    suite_props = {p.get("name"): p.get("value") for p in suite.find("properties") or []}
    assert suite_props["verdict"] == "NO-GO"


def test_metrics_textfile_parses_with_the_verdict_items_gates_and_duration(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    (run_dir / "load").mkdir()
    gates = [
        {"gate": "p95 < 10ms", "measured": 0.0077, "passed": True},
        {"gate": "errors < 0.1%", "measured": 0.01, "passed": False},
    ]
    (run_dir / "load" / "result.json").write_text(
        json.dumps({"gates": gates, "trust": {"trusted": True}, "derived": {"throughput": 990.5}})
    )
    text = prometheus.write(run_dir, _summary()).read_text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("golive_verdict", (("env", "staging"), ("verdict", "NO-GO")))] == 1
    assert samples[("golive_verdict", (("env", "staging"), ("verdict", "GO")))] == 0
    assert samples[("golive_run_duration_seconds", (("env", "staging"),))] == 9.0
    failed = (("env", "staging"), ("id", "GL-HEALTH-003"), ("label", "GL-HEALTH-003"), ("outcome", "failed"),
              ("severity", "blocker"))  # fmt: skip
    assert samples[("golive_check_outcome", failed)] == 1
    assert samples[("golive_load_gate_measured", (("env", "staging"), ("gate", "p95 < 10ms")))] == 0.0077
    assert samples[("golive_load_gate_passed", (("env", "staging"), ("gate", "errors < 0.1%")))] == 0
    assert samples[("golive_load_throughput", (("env", "staging"),))] == 990.5


def test_history_appends_once_and_compares_with_the_previous_run(tmp_path: Path) -> None:
    first = _summary(
        "20261201T100000Z-aaaaaa", "GO", [_check("GL-HEALTH-001", "passed"), _check("GL-HEALTH-003", "passed")]
    )
    second = _summary(
        "20261202T100000Z-bbbbbb", "NO-GO", [_check("GL-HEALTH-001", "failed"), _check("GL-HEALTH-004", "passed")]
    )
    second["started_at"] = "2026-12-02T11:00:00+00:00"
    for s in (first, second):
        history.append(_run_dir(tmp_path, s), s)
    history.append(tmp_path / "staging" / second["run_id"], second)  # a regenerated report does not append again
    runs = history.read(tmp_path / "staging")
    assert [r["run_id"] for r in runs] == [first["run_id"], second["run_id"]]
    before = history.previous(runs, second["run_id"])
    assert before is not None
    assert history.compare(before["outcomes"], second) == {
        "newly_failing": ["GL-HEALTH-001"], "fixed": [], "new": ["GL-HEALTH-004"], "gone": ["GL-HEALTH-003"]
    }  # fmt: skip
    lines = history.table(runs)
    assert lines[1].startswith(first["run_id"])
    assert " GO " in lines[1]
    assert " NO-GO " in lines[2]
    assert "failed 1 passed 1" in lines[2]


def test_a_no_go_run_is_approved_only_naming_what_it_relies_on(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    html.write(run_dir)
    with pytest.raises(signoff.SignoffRefused, match="missing: GL-HEALTH-003, GL-COL-003\\[faq\\]"):
        signoff.sign(run_dir, name="A. Approver", role="SRE lead")
    with pytest.raises(signoff.SignoffRefused, match="missing: GL-COL-003"):
        signoff.sign(run_dir, name="A. Approver", role="SRE lead", waivers=["GL-HEALTH-003"])
    report_hash = signoff.sha256(run_dir / "report.html")
    noon = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)
    record = signoff.sign(run_dir, name="A. Approver", role="SRE lead", comment="accepted risk",
                          waivers=["GL-HEALTH-003", "GL-COL-003"], now=noon)  # fmt: skip
    assert record["decision"] == "approved"
    assert record["relies_on"] == ["GL-COL-003", "GL-HEALTH-003"]
    assert record["report_sha256"] == report_hash
    assert record["summary_sha256"] == signoff.sha256(run_dir / "summary.json")
    rejected = signoff.sign(run_dir, name="B. Second", role="release manager", reject=True)
    assert rejected["decision"] == "rejected"
    page = html.render(run_dir)
    assert "APPROVED</b> by A. Approver (SRE lead) at 2026-12-02 12:00:00 UTC" in page
    assert "REJECTED</b> by B. Second" in page
    assert "accepted risk" in page


def test_report_html_lists_reasons_in_order_and_redacts_secrets(tmp_path: Path) -> None:
    summary = _summary()
    run_dir = _run_dir(tmp_path, redact(summary, [SECRET]))
    (run_dir / "load").mkdir()
    (run_dir / "load" / "result.json").write_text(json.dumps({"gates": [{"gate": "p95 < 10ms", "measured": 0.002,
        "passed": True, "message": f"host with {SECRET}"}], "series": [], "trust": {"trusted": True}}))  # fmt: skip
    bench = run_dir.parent / "benchmarks"
    bench.mkdir()
    (bench / f"{summary['run_id']}.json").write_text(json.dumps({"run_id": summary["run_id"], "created": "x",
        "target": "http://127.0.0.1:6333", "version": "1.15.0", "timings": {"query": {"median": 0.0004}}}))  # fmt: skip
    page = html.render(run_dir, secrets=[SECRET], today=dt.date(2026, 12, 2))
    assert f'<a href="../benchmarks/{summary["run_id"]}.json">baselines</a>' in page  # on GL-PERF-010
    assert "query: median (µs)" in page  # its trend chart
    assert SECRET not in page
    order = [page.index(h) for h in ("Failed blockers (1)", "Blockers not run", "Waived items (1)", "Warnings (1)")]
    assert order == sorted(order)
    assert '<td class="">29</td>' in page  # days left of the waiver expiring 2026-12-31
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:|@import""", page)  # nothing fetched
    assert "<script" not in page
