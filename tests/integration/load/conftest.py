"""Targets for the load engine's own tests: the stub endpoint (known truth: fixed delay, errors, hang) and a
small sandbox (the real scenarios, faults injected through its API)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.runs import REPO, run_golive_pytest
from support.runs import Run as ChecksRun
from support.sandboxes import cleared

from golive.sandbox.testing import SandboxHandle, running_sandbox

StubFactory = Callable[..., str]

ChecksRunner = Callable[[dict[str, Any], str, Path], ChecksRun]


@pytest.fixture
def run_checks(tmp_path: Path) -> ChecksRunner:
    """``run_checks(config, "test_performance.py", reports)``: that checklist file under ``pytest -m golive`` in a
    subprocess, as an SRE would run it, with ``config`` written as env ``env``; returns code, output, summary."""

    def run(config: dict[str, Any], check_file: str, reports: Path) -> ChecksRun:
        return run_golive_pytest(config, tmp_path / "env.yaml", reports, "-q", str(REPO / "checks" / check_file))

    return run


@pytest.fixture
def stub() -> Iterator[StubFactory]:
    """``stub(delay_ms=5)`` starts ``python -m golive.load.stub`` on a free port and returns its URL."""
    procs: list[subprocess.Popen[str]] = []

    def start(*, delay_ms: float = 0.0, error_rate: float = 0.0, hang_after: float | None = None) -> str:
        args = [sys.executable, "-m", "golive.load.stub", "--delay-ms", str(delay_ms), "--error-rate", str(error_rate)]
        if hang_after is not None:
            args += ["--hang-after", str(hang_after)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        return line.split()[-1]

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="session")
def load_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with running_sandbox(Path(tmp_path_factory.mktemp("load-sandbox")) / "data", demo=True, demo_scale=0.05) as sb:
        yield sb


@pytest.fixture
def sandbox_faults(load_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    yield from cleared(load_sandbox)
