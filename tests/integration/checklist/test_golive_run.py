"""`golive run` end to end: it starts the sandbox the config describes, runs the checklist, stops it."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.ports import port_free
from support.runs import REPO, clean_env

from golive.waiting import wait_until

from .conftest import sandbox_config_file

pytestmark = pytest.mark.integration


def _golive(*args: str, reports: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive", *args],
        cwd=REPO, env=clean_env(reports), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@contextlib.contextmanager
def _golive_running(*args: str, reports: Path) -> Iterator[subprocess.Popen[str]]:
    """`golive ...` in the background (stdout and stderr merged); killed on the way out if still running."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", *args],
        cwd=REPO, env=clean_env(reports), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_starts_the_sandbox_and_prints_go_and_the_report(tmp_path: Path) -> None:
    path, port = sandbox_config_file(tmp_path)
    proc = _golive("run", "--config", str(path), reports=tmp_path / "reports")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "VERDICT: GO" in out
    assert "golive: stopping the sandbox" in out
    assert proc.stdout.rstrip().splitlines()[-1] == "VERDICT: GO"  # after the sandbox stopped (issue 9.10)
    summary = json.loads((tmp_path / "reports" / "demo" / "latest" / "summary.json").read_text())
    assert summary["verdict"] == "GO"
    assert summary["target"]["sandbox"]
    assert f"report folder {tmp_path / 'reports' / 'demo' / summary['run_id']}" in out
    with socket.socket() as s:  # the sandbox is gone: its port is free again
        s.bind(("127.0.0.1", port))


def test_run_with_a_bad_config_stops_with_exit_7(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("target: {url: http://127.0.0.1:6333, timeout: soon}\n")
    proc = _golive("run", "--config", str(path), reports=tmp_path / "reports")
    assert proc.returncode == 7
    assert f"config error in {path}" in proc.stderr
    assert "target.timeout: expected a duration" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "reports").exists()


def test_config_check_reports_ok_for_the_shipped_configs(tmp_path: Path) -> None:
    for name, collections in (("sandbox", 10), ("production.example", 9)):  # the demo's tenth: hybrid_articles
        proc = _golive("config", "check", "--env", name, reports=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "ok — env" in proc.stdout
        assert f"{collections} collections" in proc.stdout


def test_sigterm_writes_a_partial_summary_and_stops_the_sandbox(tmp_path: Path) -> None:
    """A CI cancel (SIGTERM to golive alone): pytest gets one SIGINT, writes its summary, the sandbox stops."""
    started = tmp_path / "slow-check-started"
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_slow.py").write_text(
        "import pathlib, time\nimport pytest\n\n"
        "@pytest.mark.golive\n@pytest.mark.check('GL-TEST-001', severity='blocker')\n"
        "def test_fast():\n    '''Fast.'''\n\n"
        "@pytest.mark.golive\n@pytest.mark.check('GL-TEST-002', severity='blocker')\n"
        "def test_slow():\n    '''Slow.'''\n"
        f"    pathlib.Path({str(started)!r}).touch()\n"
        "    for _ in range(1200):\n        time.sleep(0.05)\n"
    )
    path, port = sandbox_config_file(tmp_path)
    with _golive_running("run", "--config", str(path), "--checks", str(checks), reports=tmp_path / "reports") as proc:
        wait_until(started.exists, timeout=120, describe="the slow check to start")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out[-3000:]
    summary = json.loads((tmp_path / "reports" / "demo" / "latest" / "summary.json").read_text())
    assert summary["verdict"] == "INCONCLUSIVE"
    assert {c["label"]: c["outcome"] for c in summary["checks"]}["GL-TEST-001"] == "passed"
    assert "golive: stopping the sandbox" in out
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("args", [("bogus",), ("run", "--env", "a", "--config", "b"), ("config",)])
def test_bad_command_lines_exit_4_not_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = _golive(*args, reports=tmp_path)
    assert proc.returncode == 4, proc.stderr
    assert "error:" in proc.stderr


def test_config_check_says_when_a_waiver_has_expired(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("waivers: [{id: GL-SEC-001, reason: deferred, approver: J. Doe, expires: 2020-01-31}]\n")
    proc = _golive("config", "check", "--config", str(path), reports=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "waiver GL-SEC-001 until 2020-01-31 (EXPIRED: no longer waives anything)" in proc.stdout


def test_sigterm_while_the_sandbox_starts_still_stops_it(tmp_path: Path) -> None:
    """Before pytest runs, SIGTERM must not kill golive and orphan the sandbox holding the port."""
    path, port = sandbox_config_file(tmp_path, demo_scale=0.5)
    with _golive_running("run", "--config", str(path), reports=tmp_path / "reports") as proc:
        assert proc.stdout is not None
        assert "starting the sandbox" in proc.stdout.readline()
        data = tmp_path / "data" / "collections"
        wait_until(data.exists, timeout=30, describe="the sandbox to begin building its demo")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out
    assert "interrupted; the sandbox was stopped" in out
    with socket.socket() as s:  # nothing holds the port any more
        s.bind(("127.0.0.1", port))


def _slow_checks(tmp_path: Path) -> tuple[Path, Path]:
    """A checklist of one slow blocker that touches ``started`` when it begins; (checks dir, started)."""
    started = tmp_path / "slow-check-started"
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_slow.py").write_text(
        "import pathlib, time\nimport pytest\n\n"
        "@pytest.mark.golive\n@pytest.mark.check('GL-TEST-002', severity='blocker')\n"
        "def test_slow(run_dir):\n    '''Slow.'''\n"
        f"    pathlib.Path({str(started)!r}).touch()\n"
        "    for _ in range(1200):\n        time.sleep(0.05)\n"
    )
    return checks, started


def test_sigkill_of_golive_run_takes_the_sandbox_and_pytest_with_it(tmp_path: Path) -> None:
    """Issue 9.3: kill -9 of `golive run` must not orphan the sandbox (holding the port) or the pytest child."""
    checks, started = _slow_checks(tmp_path)
    path, port = sandbox_config_file(tmp_path)
    reports = tmp_path / "reports"
    with _golive_running("run", "--config", str(path), "--checks", str(checks), reports=reports) as proc:
        wait_until(started.exists, timeout=120, describe="the slow check to start")
        proc.kill()
        proc.communicate()
    wait_until(lambda: port_free(port), timeout=30, describe=f"the sandbox to release port {port}")
    # the pytest child got SIGINT: an interrupted, INCONCLUSIVE partial summary, never a GO of its own
    summary = reports / "demo" / "latest" / "summary.json"
    wait_until(summary.exists, timeout=30, describe="the pytest child's partial summary")
    assert json.loads(summary.read_text())["verdict"] == "INCONCLUSIVE"
    assert not list(reports.glob("demo/*/INCOMPLETE"))


def test_a_leftover_sandbox_of_the_data_dir_is_recognised_and_stopped(tmp_path: Path) -> None:
    """Issue 9.3: a sandbox a killed run left behind is named and stopped; a second one on its data dir refused."""
    path, port = sandbox_config_file(tmp_path)
    data = tmp_path / "data"
    sandbox = [sys.executable, "-m", "golive.sandbox", "--data-dir", str(data)]
    with subprocess.Popen([*sandbox, "--port", str(port)], stdout=subprocess.PIPE, text=True) as leftover:
        try:
            assert leftover.stdout is not None
            assert "listening on" in leftover.stdout.readline()
            second = subprocess.run([*sandbox, "--port", "0"], capture_output=True, text=True, timeout=60, check=False)
            assert second.returncode == 3, second.stderr
            assert f"already served by golive sandbox pid {leftover.pid} at http://127.0.0.1:{port}" in second.stderr
            checks = tmp_path / "checks"
            checks.mkdir()
            (checks / "test_one.py").write_text(
                "import pytest\n\n@pytest.mark.golive\n@pytest.mark.check('GL-TEST-001', severity='blocker')\n"
                "def test_one(qdrant):\n    '''Answers.'''\n    assert qdrant.get('/readyz').status_code == 200\n"
            )
            proc = _golive("run", "--config", str(path), "--checks", str(checks), reports=tmp_path / "reports")
            out = proc.stdout + proc.stderr
            assert f"stopped a leftover golive sandbox (pid {leftover.pid} at http://127.0.0.1:{port})" in out
            assert proc.returncode == 0, out[-3000:]
            assert leftover.wait(10) is not None
        finally:
            leftover.kill()
