"""A headless Debian chromium (selenium + chromedriver), started once per test session, that opens report files
with the network logged; screenshots go to ``reports/test-artifacts/``."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.runs import REPO, run_golive_pytest
from support.waivers import LOAD_GATE_IDS, UNCLAIMED_IDS
from support.waivers import waivers as waivers_for

ARTIFACTS = REPO / "reports" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass
class Page:
    driver: Any
    load_seconds: float
    requests: list[str]  # every URL the page asked for, the file itself included

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.CSS_SELECTOR, css).text)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        height = int(self.js("return document.documentElement.scrollHeight"))
        self.driver.set_window_size(1280, min(max(height, 800), 6000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 900)
        return path


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-default-apps", "--disable-extensions", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def open_page(browser: Any) -> Any:
    """``open_page(path)``: load a file, return the page with its load time and every request it made."""

    def go(path: Path) -> Page:
        browser.get_log("performance")  # drop what earlier pages logged
        started = time.perf_counter()
        browser.get(path.resolve().as_uri())
        elapsed = time.perf_counter() - started
        requests = []
        for entry in browser.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        return Page(browser, elapsed, requests)

    return go


# ---------------------------------------------------------------------------------------------- real runs

SCALE = 0.05
QUERY = "/collections/documents/points/query"


@dataclass
class RunFolder:
    code: int
    output: str
    run_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return dict(json.loads((self.run_dir / "summary.json").read_text(encoding="utf-8")))


def _config(url: str, **sections: Any) -> dict[str, Any]:
    from golive.sandbox.demo import DEMO_COLLECTIONS

    config: dict[str, Any] = {
        "target": {"url": url, "grpc_port": None, "timeout": "3s", "connect_timeout": "1s"},
        "collections": [
            {"name": c.name, "vector_size": c.size, "distance": c.distance, "min_points": c.points_at(SCALE)}
            for c in DEMO_COLLECTIONS
        ],
        "thresholds": {"version": ">=1.10,<2", "gates": ["p95 < 10ms", "throughput >= 40/s", "errors < 1%"]},
        # a short, slow load run: its evidence feeds the charts; the lenient trust limits are the caps
        "load": {"rate": "50/s", "duration": "3s", "warmup": "1s", "grace": "2s", "collection": "documents",
                 "schedule_tolerance": "10ms", "max_behind": "10%", "max_generator_cpu": "95%", "processes": 1},
        "allow": {"probe_writes": True, "snapshot_restore": True, "full_load": False},
    }  # fmt: skip
    config.update(sections)
    return config


def _golive_checklist(reports: Path, config: dict[str, Any], name: str) -> RunFolder:
    """The real checklist under ``pytest -m golive`` in a subprocess, as env ``name``; the newest run folder."""
    run = run_golive_pytest(config, reports.parent / f"{name}.yaml", reports, "-q", str(REPO / "checks"), timeout=240)
    return RunFolder(run.code, run.output, (reports / name / "latest").resolve())


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunFolder]:
    """Three runs of the real checklist against one demo sandbox, shared by the report's tests:
    GO (the load gates waived by name), NO-GO (not ready, slow queries: the load ran, so there are charts) and
    INCONCLUSIVE (the load gates skipped, no waiver)."""
    from golive.sandbox.testing import running_sandbox

    base = tmp_path_factory.mktemp("report-runs")
    reports = base / "reports"
    approver = "R. Lead (SRE)"
    waivers = [
        *waivers_for(LOAD_GATE_IDS, "load runs in the maintenance window only", approver, days=20),
        # what the plain sandbox does not claim (support.waivers.UNCLAIMED_IDS)
        *waivers_for(UNCLAIMED_IDS, "not claimed by this deployment", approver, days=20),
    ]
    runs = {}
    backups = ("--backup-every", "3600")  # a snapshot of each collection at start, as a deployment keeps (GL-BAK-002)
    with running_sandbox(base / "sandbox", demo=True, demo_scale=SCALE, extra_args=backups) as sandbox:
        runs["GO"] = _golive_checklist(reports, _config(sandbox.url, waivers=waivers), "staging")
        sandbox.set_faults(not_ready=True, latency_ms=15, paths=[QUERY])
        try:
            allow = {"probe_writes": True, "snapshot_restore": True, "full_load": True}
            runs["NO-GO"] = _golive_checklist(reports, _config(sandbox.url, allow=allow), "staging")
        finally:
            sandbox.clear_faults()
        runs["INCONCLUSIVE"] = _golive_checklist(reports, _config(sandbox.url), "staging")
    return runs
