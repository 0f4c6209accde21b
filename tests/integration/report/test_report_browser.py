"""report.html in a real browser (headless Debian chromium): GO, NO-GO and INCONCLUSIVE runs of the real
checklist against the sandbox, and a large synthetic run that must open fast and stay small."""

from __future__ import annotations

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
