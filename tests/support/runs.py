"""The real checklist under ``pytest -m golive`` in a subprocess, as an SRE would run it: a config file, a
reports folder, a user's environment (none of golive's, Qdrant's or pytest's own variables), the summary.

    run = run_golive_pytest(config, tmp_path / "env.yaml", tmp_path / "reports", "-q", str(REPO / "checks"))
    assert run.verdict == "GO", run.output[-3000:]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def clean_env(reports: Path | None = None) -> dict[str, str]:
    """This process's environment without golive's, Qdrant's and pytest's own variables (a user's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_", "PYTEST_"))}
    if reports is not None:
        env["GOLIVE_REPORTS"] = str(reports)
    return env


def golive_pytest_command(config_path: Path, reports: Path, *args: str) -> list[str]:
    """``pytest -m golive`` with this config file and reports folder (and ``-p no:randomly``), then ``args``."""
    return [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={config_path}",
            f"--golive-reports={reports}", "-p", "no:randomly", *args]  # fmt: skip


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class Run:
    """A finished run: exit code, stdout and stderr, its summary.json, and how long it took."""

    code: int
    output: str
    summary: dict[str, Any]
    seconds: float = 0.0

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

    def message(self, label: str) -> str:
        return str(self.check(label)["message"])

    def outcomes(self) -> dict[str, str]:
        return {c["label"]: c["outcome"] for c in self.summary["checks"]}


def run_golive_pytest(
    config: dict[str, Any],
    config_path: Path,
    reports: Path,
    *args: str,
    environ: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Write ``config`` to ``config_path`` and run ``pytest -m golive ... args`` on it in a subprocess from the
    checkout, with a clean environment plus ``environ``; the summary is the newest run of the config's env."""
    write_config(config_path, config)
    started = time.monotonic()
    proc = subprocess.run(
        golive_pytest_command(config_path, reports, *args),
        cwd=REPO, env=clean_env() | (environ or {}), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    output = proc.stdout + proc.stderr
    summary_path = reports / str(config.get("env") or config_path.stem) / "latest" / "summary.json"
    assert summary_path.exists(), f"no summary written; exit {proc.returncode}\n{output[-3000:]}"
    return Run(proc.returncode, output, json.loads(summary_path.read_text()), seconds)
