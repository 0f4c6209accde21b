"""report.html in a real browser (headless Debian chromium): GO, NO-GO and INCONCLUSIVE runs of the real
checklist against the sandbox, and a large synthetic run that must open fast and stay small."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from golive.report import html

from .synthetic import big_run

pytestmark = pytest.mark.integration

GREEN, RED, AMBER = "rgb(26, 127, 55)", "rgb(207, 34, 46)", "rgb(154, 103, 0)"


def banner(page: Any) -> tuple[str, str]:
    colour = page.js("return getComputedStyle(document.getElementById('verdict')).backgroundColor")
    return page.text("#verdict .verdict"), colour


def assert_no_request_left_the_file(page: Any, path: Path) -> None:
    # chrome:// is the browser's own UI (its blank start page's icons), never the network or the disk
    asked = [url for url in page.requests if not url.startswith("chrome://")]
    assert asked == [path.resolve().as_uri()], page.requests


def chart_points(page: Any, figure_id: str) -> int:
    """Points drawn in a chart's series: the coordinate pairs of its line paths (above 120 points per series
    pygal draws no dots, so the line's vertices are what there is to count)."""
    return int(
        page.js(
            """const fig = document.getElementById(arguments[0]);
            if (!fig) return 0;
            let n = 0;
            for (const p of fig.querySelectorAll('.series path.line'))
                n += ((p.getAttribute('d') || '').match(/-?[0-9.]+/g) || []).length / 2;
            return n;""",
            figure_id,
        )
    )


def test_a_500_item_10_minute_run_opens_within_2s_and_stays_under_5mb(tmp_path: Path, open_page: Any) -> None:
    run_dir = big_run(tmp_path / "synthetic", items=500, seconds=600)
    path = html.write(run_dir)
    size = path.stat().st_size
    assert size < 5 * 1024 * 1024, f"{size} bytes"
    page = open_page(path)
    assert page.load_seconds < 2.0, f"opened in {page.load_seconds:.2f} s"
    assert banner(page) == ("NO-GO", RED)
    assert page.js("return document.querySelectorAll('#checklist tbody tr').length") == 500
    assert chart_points(page, "chart-latency") >= 3 * 600  # p50, p95, p99: one point per second each
    assert_no_request_left_the_file(page, path)
    page.screenshot("report-synthetic-500-items")


def test_a_go_run_is_green_says_sandbox_and_lists_its_waivers(report_runs: Any, open_page: Any) -> None:
    run = report_runs["GO"]
    assert run.summary["verdict"] == "GO", run.output[-3000:]
    path = run.run_dir / "report.html"
    page = open_page(path)
    assert banner(page) == ("GO", GREEN)
    assert "TARGET IS THE GOLIVE SANDBOX" in page.text("#sandbox-notice")
    waived = page.text("table.waivers")
    for gate in ("GL-PERF-001", "GL-PERF-002", "GL-PERF-003"):
        assert gate in waived
    assert "load runs in the maintenance window only" in waived
    assert "R. Lead (SRE)" in waived
    assert page.js("return document.querySelectorAll('#checklist tr.o-passed').length") >= 50
    assert "✔" in page.text("#golive-list tr.line-proven")  # the health line: every GL-HEALTH item passed
    assert_no_request_left_the_file(page, path)
    page.screenshot("report-go")
    # printed: the banner keeps its colour, the signature lines appear, and it fits pages
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert banner(page) == ("GO", GREEN)
        assert page.js("return getComputedStyle(document.querySelector('.sign-lines')).display") == "block"
        pdf = base64.b64decode(page.driver.print_page())
        assert pdf.startswith(b"%PDF")
        assert pdf.count(b"/Type /Page") >= 2
    finally:
        page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_a_no_go_run_is_red_with_the_failed_ids_first_and_load_charts(report_runs: Any, open_page: Any) -> None:
    run = report_runs["NO-GO"]
    summary = run.summary
    assert summary["verdict"] == "NO-GO", run.output[-3000:]
    path = run.run_dir / "report.html"
    page = open_page(path)
    assert banner(page) == ("NO-GO", RED)
    first = page.js("return document.querySelector('#reasons h2').textContent")
    assert first.startswith("Failed blockers")
    failed = page.js("return [...document.querySelectorAll('#reasons ul.failed-ids code.id')].map(e => e.textContent)")
    expected = [
        c["label"] for c in summary["checks"] if c["severity"] == "blocker" and c["outcome"] in ("failed", "error")
    ]
    assert failed == expected
    assert "GL-HEALTH-003" in failed
    area_first = page.js("return document.querySelector('#checklist table.checks tbody tr').className")
    assert area_first in ("o-failed", "o-error")  # within the checklist too, the failing items come first
    assert chart_points(page, "chart-latency") >= 3  # the load ran: points per second for p50/p95/p99
    assert chart_points(page, "chart-throughput") >= 3
    assert page.js("return document.querySelectorAll('#chart-spectrum .series .dot').length") >= 5
    assert_no_request_left_the_file(page, path)
    page.screenshot("report-no-go")


def test_an_inconclusive_run_is_amber_and_names_each_blocker_not_run(report_runs: Any, open_page: Any) -> None:
    run = report_runs["INCONCLUSIVE"]
    assert (run.code, run.summary["verdict"]) == (6, "INCONCLUSIVE"), run.output[-3000:]
    assert "blockers not run (no waiver names them): GL-PERF-001" in run.output
    path = run.run_dir / "report.html"
    page = open_page(path)
    assert banner(page) == ("INCONCLUSIVE", AMBER)
    not_run = page.text("#reasons ul.not-run")
    for gate in ("GL-PERF-001", "GL-PERF-002", "GL-PERF-003"):
        assert gate in not_run
    assert "allow.full_load: false" in not_run
    # the history: the previous run of this environment was the NO-GO one
    assert "Previous run" in page.text("#history")
    assert "NO-GO" in page.text("#history")
    assert_no_request_left_the_file(page, path)
    page.screenshot("report-inconclusive")
