"""A small demo sandbox and a way to run the real checklist against it in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxHandle, running_sandbox

REPO = Path(__file__).resolve().parents[3]
SCALE = 0.05


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session sandbox's folder: ``data/`` (its snapshots path is ``data/snapshots``) and ``secondary/``."""
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="session")
def sandbox(sandbox_dir: Path) -> Iterator[SandboxHandle]:
    """One demo sandbox for the session, keeping backups as the demo does (a snapshot of each collection at
    start, copied to ``secondary/``); tests that inject faults clear them again."""
    backups = ("--backup-every", "3600", "--backup-copy", str(sandbox_dir / "secondary"))
    with running_sandbox(sandbox_dir / "data", demo=True, demo_scale=SCALE, extra_args=backups) as handle:
        yield handle


@pytest.fixture
def clean_sandbox(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


def config_for(url: str, **sections: Any) -> dict[str, Any]:
    """A config for the demo at SCALE, pointing at ``url``; ``sections`` replace top-level sections."""
    config: dict[str, Any] = {
        "target": {"url": url, "grpc_port": None, "timeout": "2s", "connect_timeout": "1s"},
        "collections": [c.expected(SCALE) for c in DEMO_COLLECTIONS],
        "thresholds": {"version": ">=1.10,<2"},
        "allow": {"probe_writes": True, "snapshot_restore": True, "full_load": False},
    }
    config.update(sections)
    return config


def backup_sections(sandbox_dir: Path, *, host: bool = True) -> dict[str, Any]:
    """A ``backups`` section naming the session sandbox's two backup locations, and with ``host`` a ``hosts``
    entry to read them on (this machine); without one the location items (GL-BAK-003/004) are not collected,
    as every host item is not for a config without hosts."""
    locations = [str(sandbox_dir / "data" / "snapshots"), str(sandbox_dir / "secondary")]
    sections: dict[str, Any] = {"backups": {"locations": locations, "max_age": "26h"}}
    if host:
        sections["hosts"] = [{"spec": "local://", "name": "here"}]
    return sections


def load_waivers() -> list[dict[str, str]]:
    """These runs keep ``allow.full_load`` off (the load gates have their own tests under tests/integration/load),
    so a GO needs the three load gates waived by name: a blocker that did not run is never a silent GO."""
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    reason = "load gates are tested in tests/integration/load; these runs keep allow.full_load off"
    return [{"id": i, "reason": reason, "approver": "suite tests", "expires": expires} for i in LOAD_GATE_IDS]


LOAD_GATE_IDS = ("GL-PERF-001", "GL-PERF-002", "GL-PERF-003")
#: Blockers for what these runs' plain sandbox does not claim or have (keys, TLS, a CORS policy, gRPC, a metrics
#: endpoint, Prometheus, a cluster): they skip with that reason, are tested in tests/integration/security, and a
#: GO needs them waived by name like the load gates.
UNCLAIMED_IDS = (
    *(f"GL-SEC-{i:03d}" for i in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)),
    *(f"GL-MON-{i:03d}" for i in (3, 4, 5, 6, 7)),
    "GL-CLU-001", "GL-CLU-002", "GL-CLU-003",
)  # fmt: skip


def unclaimed_waivers() -> list[dict[str, str]]:
    """Waivers for :data:`UNCLAIMED_IDS`: what these runs' sandbox is not started to have."""
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    reason = "the plain test sandbox claims no keys, TLS, CORS, gRPC, metrics endpoint, Prometheus or cluster"
    return [{"id": i, "reason": reason, "approver": "suite tests", "expires": expires} for i in UNCLAIMED_IDS]


def clean_env(reports: Path | None = None) -> dict[str, str]:
    """This process's environment without golive's, Qdrant's and pytest's own variables (a user's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    if reports is not None:
        env["GOLIVE_REPORTS"] = str(reports)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sandbox_config_file(tmp_path: Path, demo_scale: float = SCALE) -> tuple[Path, int]:
    """``demo.yaml`` for a demo sandbox that `golive run` starts itself on a free port; (path, port)."""
    port = free_port()
    config = config_for(f"http://127.0.0.1:{port}", waivers=load_waivers() + unclaimed_waivers())
    config["target"]["sandbox"] = {"demo": True, "demo_scale": demo_scale, "data_dir": str(tmp_path / "data")}
    # `golive run` starts the sandbox keeping these backups, as `make golive` does (no host: no host items)
    config |= backup_sections(tmp_path, host=False)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path, port


@dataclass
class Run:
    code: int
    output: str
    summary: dict[str, Any]

    @property
    def verdict(self) -> str:
        return str(self.summary["verdict"])

    def labels(self, *outcomes: str) -> set[str]:
        return {c["label"] for c in self.summary["checks"] if c["outcome"] in outcomes}

    @property
    def failed(self) -> set[str]:
        return self.labels("failed", "error")

    def check(self, label: str) -> dict[str, Any]:
        return next(c for c in self.summary["checks"] if c["label"] == label)


def run_checklist(
    tmp_path: Path, config: dict[str, Any], *args: str, timeout: float = 120, environ: dict[str, str] | None = None
) -> Run:
    """``pytest -m golive checks/`` in a subprocess, as an SRE would run it; returns exit code and summary."""
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    reports = tmp_path / "reports"
    env = clean_env() | (environ or {})
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={path}", f"--golive-reports={reports}",
         "-p", "no:randomly", "-q", *args, str(REPO / "checks")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    summary_path = reports / "env" / "latest" / "summary.json"
    assert summary_path.exists(), f"no summary written; exit {proc.returncode}\n{output[-3000:]}"
    return Run(proc.returncode, output, json.loads(summary_path.read_text()))
