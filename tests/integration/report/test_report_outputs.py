"""The run's metrics pushed to a real Prometheus Pushgateway on loopback, and the report commands
(`golive report | signoff | history`) on the run folders of real checklist runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.ports import free_port

from .conftest import REPO

pytestmark = pytest.mark.integration

PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"
SCRATCH = '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_ok():
    """Holds."""


@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_broken():
    """Also holds."""
    assert False, "observed 3; expected 1"
'''


@pytest.fixture(scope="session")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Pushgateway on a free loopback port for the session, stopped after (even on failure)."""
    if not shutil.which(PUSHGATEWAY):
        pytest.fail(f"{PUSHGATEWAY} is needed (Debian: apt-get install prometheus-pushgateway)")
    port = free_port()
    log = (tmp_path_factory.mktemp("pushgateway") / "log").open("w")
    proc = subprocess.Popen([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "the pushgateway exited"
            assert time.monotonic() < deadline, "the pushgateway did not get ready within 20 s"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _run_scratch(tmp_path: Path, extra_yaml: str = "") -> tuple[subprocess.CompletedProcess[str], Path]:
    (tmp_path / "test_scratch.py").write_text(SCRATCH)
    config = tmp_path / "pushed.yaml"
    config.write_text(f"target: {{url: 'http://127.0.0.1:1', timeout: 1s}}\ncollections: []\n{extra_yaml}")
    reports = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", f"--golive-config={config}",
         f"--golive-reports={reports}", str(tmp_path / "test_scratch.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return proc, reports / "pushed" / "latest"


def _golive(*args: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    env["GOLIVE_REPORTS"] = str(reports)
    return subprocess.run(
        [sys.executable, "-m", "golive", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_run_pushes_its_metrics_to_the_pushgateway(pushgateway: str, tmp_path: Path) -> None:
    proc, run_dir = _run_scratch(tmp_path, f"report: {{pushgateway_url: '{pushgateway}'}}\n")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert f"metrics pushed to {pushgateway}" in proc.stdout
    text = httpx.get(f"{pushgateway}/metrics", timeout=5).text
    samples = {
        (s.name, s.labels.get("verdict") or s.labels.get("label"), s.labels.get("outcome")): (s.value, s.labels)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith("golive_")
    }
    value, labels = samples[("golive_verdict", "NO-GO", None)]
    assert value == 1
    assert labels["job"] == "golive"
    assert labels["env"] == "pushed"
    assert samples[("golive_check_outcome", "GL-DEMO-002", "failed")][0] == 1
    assert samples[("golive_check_outcome", "GL-DEMO-001", "passed")][0] == 1
    assert (run_dir / "metrics.prom").exists()


def test_a_failed_push_is_reported_and_changes_nothing_else(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    proc, run_dir = _run_scratch(tmp_path, f"report: {{pushgateway_url: '{dead}', push_timeout: 2s}}\n")
    assert proc.returncode == 1
    assert f"golive: push to the Pushgateway at {dead} failed" in proc.stdout
    assert "VERDICT: NO-GO (GL-DEMO-002)" in proc.stdout
    assert {p.name for p in run_dir.iterdir()} >= {"summary.json", "report.html", "junit.xml", "metrics.prom"}


def test_report_signoff_and_history_commands(report_runs: Any, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(report_runs["GO"].run_dir.parent, reports / "staging", symlinks=True)
    go, no_go = report_runs["GO"].run_dir.name, report_runs["NO-GO"].run_dir.name
    (reports / "staging" / go / "report.html").unlink()
    done = _golive("report", f"staging/{go}", reports=reports)
    assert done.returncode == 0, done.stderr
    assert "GO report written" in done.stdout
    assert (reports / "staging" / go / "report.html").exists()

    refused = _golive("signoff", f"staging/{no_go}", "--name", "A. Approver", "--role", "SRE lead", reports=reports)
    assert refused.returncode == 4
    assert "sign-off refused: the run is NO-GO, not GO" in refused.stderr
    assert "GL-HEALTH-003" in refused.stderr
    signed = _golive("signoff", f"staging/{go}", "--name", "A. Approver", "--role", "SRE lead",
                     "--comment", "load in the window on Friday", reports=reports)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert "approved by A. Approver (SRE lead)" in signed.stdout
    record = json.loads((reports / "staging" / go / "signoff.jsonl").read_text().splitlines()[0])
    gates = {"GL-PERF-001[p95 < 10ms]", "GL-PERF-002[throughput >= 40/s]", "GL-PERF-003[errors < 1%]"}
    assert gates <= set(record["relies_on"])
    # the rest: the security, monitoring and cluster blockers the plain sandbox does not claim, waived by name
    assert {label[:6] for label in set(record["relies_on"]) - gates} == {"GL-SEC", "GL-MON", "GL-CLU"}
    assert "APPROVED</b> by A. Approver" in (reports / "staging" / go / "report.html").read_text()

    listed = _golive("history", "--env", "staging", reports=reports)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[3] for line in lines[1:]] == ["GO", "NO-GO", "INCONCLUSIVE"]  # run, day, time, verdict
    assert "p95 < 10ms: " in lines[2]
    assert " ms FAILED" in lines[2]

    missing = _golive("report", str(tmp_path / "nowhere"), reports=reports)
    assert missing.returncode == 4
    assert "is not a golive run folder" in missing.stderr
