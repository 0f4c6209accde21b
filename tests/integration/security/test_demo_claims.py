"""`golive run` on config/sandbox.yaml gives the sandbox what the config claims (keys, TLS from a throwaway CA,
restricted CORS, the metrics-endpoint stand-in), so the demo runs the security and monitoring items for real;
no key, given or generated, appears in any output of the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO
from .neighbours import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GIVEN_KEY = "golive-given-admin-key-0123456789"


def test_golive_run_makes_the_sandbox_live_up_to_its_claims(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "sandbox.yaml").read_text())
    config["target"]["url"] = f"https://127.0.0.1:{free_port()}"
    config["target"]["metrics_url"] = f"http://127.0.0.1:{free_port()}"
    config["target"]["sandbox"].update(demo=False, data_dir=str(tmp_path / "sandbox" / "data"))
    config["target"]["tls"]["ca_file"] = str(tmp_path / "sandbox" / "sandbox-tls" / "ca.pem")
    config["collections"] = []
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_", "SSL_CERT"))}
    env |= {"GOLIVE_REPORTS": str(tmp_path / "reports"), "QDRANT_API_KEY": GIVEN_KEY}  # the read-only key is made up
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "run", f"--config={path}", f"--checks={REPO / 'checks' / 'test_security.py'}",
         "-p", "no:randomly", str(REPO / "checks" / "test_monitoring.py")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "reports" / "demo" / "latest" / "summary.json").read_text())
    outcomes = {c["id"]: c["outcome"] for c in summary["checks"]}
    passed = [f"GL-SEC-{i:03d}" for i in range(1, 11)] + [f"GL-MON-{i:03d}" for i in range(1, 5)]
    assert {i: outcomes[i] for i in passed} == dict.fromkeys(passed, "passed"), output[-4000:]
    assert "a random read-only key in $QDRANT_READ_ONLY_API_KEY" in output
    assert "a random API key" not in output  # the given one is used
    for text in [output, *(p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file())]:
        assert GIVEN_KEY not in text
        assert "golive-sandbox-" not in text  # the prefix of every generated key
