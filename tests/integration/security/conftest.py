"""Secured sandboxes (keys, read-only key, TLS from a throwaway CA, restricted CORS) and a runner for one
checklist area in a subprocess, as an SRE would run it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.sandbox.certs import CA, make_ca, server_cert
from golive.sandbox.testing import SandboxHandle, running_sandbox

REPO = Path(__file__).resolve().parents[3]
ALLOWED_ORIGIN = "https://console.example.test"
API_KEY = "golive-test-admin-" + secrets.token_hex(8)
READ_ONLY_KEY = "golive-test-reader-" + secrets.token_hex(8)


@dataclass
class Run:
    code: int
    output: str
    summary: dict[str, Any]

    def outcome(self, check_id: str) -> str:
        return str(self.check(check_id)["outcome"])

    def check(self, check_id: str) -> dict[str, Any]:
        found = [c for c in self.summary["checks"] if c["id"] == check_id]
        assert found, f"{check_id} not in the summary: {[c['id'] for c in self.summary['checks']]}"
        return found[0]

    def message(self, check_id: str) -> str:
        return str(self.check(check_id).get("message") or "")

    def outcomes(self, prefix: str) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.summary["checks"] if c["id"].startswith(prefix)}


def run_area(
    tmp_path: Path, config: dict[str, Any], area: str, *, env: dict[str, str] | None = None, timeout: float = 120
) -> Run:
    """``pytest -m golive checks/test_<area>.py`` in a subprocess with ``config``; ``env`` adds variables."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    reports = tmp_path / "reports"
    child = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    child.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={path}", f"--golive-reports={reports}",
         "-p", "no:randomly", "-q", str(REPO / "checks" / f"test_{area}.py")],
        cwd=REPO, env=child, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    summary_path = reports / "env" / "latest" / "summary.json"
    assert summary_path.exists(), f"no summary written; exit {proc.returncode}\n{output[-3000:]}"
    return Run(proc.returncode, output, json.loads(summary_path.read_text()))


def keys_env() -> dict[str, str]:
    return {"QDRANT_API_KEY": API_KEY, "QDRANT_READ_ONLY_API_KEY": READ_ONLY_KEY}


def secured_config(sb: SandboxHandle, ca: Path | None, **claims: bool) -> dict[str, Any]:
    all_claims = {"api_key": True, "read_only_api_key": True, "tls": ca is not None, "restricted_cors": True}
    all_claims.update(claims)
    target: dict[str, Any] = {"url": sb.url, "grpc_port": None, "timeout": "3s", "connect_timeout": "2s"}
    if ca is not None:
        target["tls"] = {"ca_file": str(ca)}
    return {"target": target, "claims": all_claims, "allow": {"probe_writes": True}}


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory, ca: CA) -> Iterator[SandboxHandle]:
    """A sandbox with both keys, HTTPS from the throwaway CA (90 days) and one allowed CORS origin."""
    folder = tmp_path_factory.mktemp("secured")
    tls = server_cert(ca, folder / "tls", days=90)
    with running_sandbox(
        folder / "data", api_key=API_KEY, read_only_key=READ_ONLY_KEY, tls=tls, ca_file=ca.cert_file,
        extra_args=("--cors-origin", ALLOWED_ORIGIN),
    ) as sb:  # fmt: skip
        yield sb


@pytest.fixture
def secured_clean(secured: SandboxHandle) -> Iterator[SandboxHandle]:
    secured.clear_faults()
    yield secured
    secured.clear_faults()
