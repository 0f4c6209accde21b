"""`golive run` on config/sandbox.yaml gives the sandbox what the config claims (keys, TLS from a throwaway CA,
restricted CORS, the metrics-endpoint stand-in, a real Prometheus watching it), so the demo runs the security
and monitoring items for real; no key, given or generated, appears in any output of the run; the Prometheus is
stopped and its temp folder removed at the end, also on SIGTERM; without the binary the run says so in one line
and is not GO."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.ports import free_port, port_free

from golive.waiting import wait_until

from .conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GIVEN_KEY = "golive-given-admin-key-0123456789"
PROMETHEUS_LINE = re.compile(
    r"golive: Prometheus on http://127\.0\.0\.1:(\d+) scraping the sandbox every \d+ s \((.+)\)"
)


def _demo_config(tmp_path: Path) -> tuple[Path, int]:
    """The shipped sandbox config on free ports, no demo data; (path, the demo Prometheus's port)."""
    config = yaml.safe_load((REPO / "config" / "sandbox.yaml").read_text())
    config["target"]["url"] = f"https://127.0.0.1:{free_port()}"
    config["target"]["metrics_url"] = f"http://127.0.0.1:{free_port()}"
    config["target"]["sandbox"].update(demo=False, data_dir=str(tmp_path / "sandbox" / "data"))
    config["target"]["tls"]["ca_file"] = str(tmp_path / "sandbox" / "sandbox-tls" / "ca.pem")
    config["collections"] = []
    prom_port = free_port()
    for entry in config["dependencies"]:
        if entry["kind"] == "prometheus":
            entry["url"] = f"http://127.0.0.1:{prom_port}"
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path, prom_port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_", "SSL_CERT"))}
    return env | {"GOLIVE_REPORTS": str(tmp_path / "reports"), "QDRANT_API_KEY": GIVEN_KEY} | extra


def _golive_run(path: Path, env: dict[str, str], *checks: str) -> subprocess.Popen[str]:
    first, *rest = [str(REPO / "checks" / f"test_{area}.py") for area in checks]
    return subprocess.Popen(
        [sys.executable, "-m", "golive", "run", f"--config={path}", f"--checks={first}", "-p", "no:randomly", *rest],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _summary(tmp_path: Path) -> dict[str, Any]:
    return dict(json.loads((tmp_path / "reports" / "demo" / "latest" / "summary.json").read_text()))


def test_golive_run_makes_the_sandbox_live_up_to_its_claims(tmp_path: Path) -> None:
    path, prom_port = _demo_config(tmp_path)  # the read-only key is made up, the admin key given
    with _golive_run(path, _env(tmp_path), "security", "monitoring") as proc:
        output, _ = proc.communicate(timeout=300)
    outcomes = {c["id"]: c["outcome"] for c in _summary(tmp_path)["checks"]}
    passed = [f"GL-SEC-{i:03d}" for i in range(1, 11)] + [f"GL-MON-{i:03d}" for i in range(1, 8)]
    assert {i: outcomes[i] for i in passed} == dict.fromkeys(passed, "passed"), output[-4000:]
    assert "a random read-only key in $QDRANT_READ_ONLY_API_KEY" in output
    assert "a random API key" not in output  # the given one is used
    for text in [output, *(p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file())]:
        assert GIVEN_KEY not in text
        assert "golive-sandbox-" not in text  # the prefix of every generated key
    # the demo's Prometheus was on the entry's port; it is gone, and so is its folder (config, key file, TSDB)
    started = PROMETHEUS_LINE.search(output)
    assert started is not None, output[-3000:]
    assert int(started[1]) == prom_port
    assert "golive: stopping Prometheus" in output
    assert not Path(started[2]).exists()
    assert port_free(prom_port)


def test_sigterm_stops_the_demo_prometheus_and_removes_its_folder(tmp_path: Path) -> None:
    """A CI cancel while the checks run: the partial summary is written, Prometheus stopped, its folder gone."""
    started = tmp_path / "slow-check-started"
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_slow.py").write_text(
        "import pathlib, time\nimport pytest\n\n"
        "@pytest.mark.golive\n@pytest.mark.check('GL-TEST-001', severity='blocker')\n"
        "def test_slow():\n    '''Slow.'''\n"
        f"    pathlib.Path({str(started)!r}).touch()\n"
        "    for _ in range(1200):\n        time.sleep(0.05)\n"
    )
    path, prom_port = _demo_config(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "run", f"--config={path}", f"--checks={checks}"],
        cwd=REPO, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    with proc:
        try:
            wait_until(started.exists, timeout=120, describe="the slow check to start")
            assert not port_free(prom_port)  # Prometheus is up while the checks run
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 2, output[-3000:]
    started_line = PROMETHEUS_LINE.search(output)
    assert started_line is not None, output[-3000:]
    assert "golive: stopping Prometheus" in output
    assert not Path(started_line[2]).exists()
    assert port_free(prom_port)


def test_without_the_prometheus_binary_the_run_says_so_and_is_not_go(tmp_path: Path) -> None:
    """A fresh machine before `.ci/run`: one line with the apt command, no traceback, the Prometheus items fail."""
    path, prom_port = _demo_config(tmp_path)
    env = _env(tmp_path, PATH=str(Path(sys.executable).parent))  # the venv's bin: python, no prometheus
    with _golive_run(path, env, "monitoring") as proc:
        output, _ = proc.communicate(timeout=300)
    line = (
        f"golive: prometheus is not installed, so nothing watches the sandbox at http://127.0.0.1:{prom_port} and "
        "the Prometheus items fail: install it with `apt-get install prometheus`"
    )
    assert line in output.splitlines(), output[-3000:]
    assert "Traceback" not in output
    summary = _summary(tmp_path)
    assert (proc.returncode, summary["verdict"]) == (1, "NO-GO"), output[-3000:]
    outcomes = {c["id"]: c["outcome"] for c in summary["checks"]}
    assert [outcomes[i] for i in ("GL-MON-005", "GL-MON-006", "GL-MON-007")] == ["failed"] * 3
    assert f"ConnectError talking to http://127.0.0.1:{prom_port}" in next(
        c["message"] for c in summary["checks"] if c["id"] == "GL-MON-005"
    )
