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

REPO = Path(__file__).resolve().parents[3]
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
            c.expected(SCALE) for c in DEMO_COLLECTIONS
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
    import os
    import subprocess
    import sys

    import yaml

    path = reports.parent / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={path}", f"--golive-reports={reports}",
         "-p", "no:randomly", "-q", str(REPO / "checks")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    latest = reports / name / "latest"
    assert (latest / "summary.json").exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return RunFolder(proc.returncode, proc.stdout + proc.stderr, latest.resolve())


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunFolder]:
    """Three runs of the real checklist against one demo sandbox, shared by the report's tests:
    GO (the load gates waived by name), NO-GO (not ready, slow queries: the load ran, so there are charts) and
    INCONCLUSIVE (the load gates skipped, no waiver)."""
    import datetime as dt

    from golive.sandbox.testing import running_sandbox

    base = tmp_path_factory.mktemp("report-runs")
    reports = base / "reports"
    expires = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    waivers = [
        {"id": i, "reason": "load runs in the maintenance window only", "approver": "R. Lead (SRE)", "expires": expires}
        for i in ("GL-PERF-001", "GL-PERF-002", "GL-PERF-003")
    ] + [  # what the plain sandbox does not claim (as tests/integration/checklist/conftest.py UNCLAIMED_IDS)
        {"id": i, "reason": "not claimed by this deployment", "approver": "R. Lead (SRE)", "expires": expires}
        for i in (*(f"GL-SEC-{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)),
                  *(f"GL-MON-{n:03d}" for n in (3, 4, 5, 6, 7)), "GL-CLU-001", "GL-CLU-002", "GL-CLU-003")
    ]  # fmt: skip
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
