"""One small demo sandbox shared by the release tests (each clears its faults), and `golive release` in a
subprocess against it with a config of short load windows."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.runs import REPO, clean_env
from support.sandboxes import cleared
from support.waivers import unclaimed_waivers

from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxHandle, running_sandbox

SCALE = 0.05
PY = sys.executable
PYTEST_ARGS = ("--", "-q", "-p", "no:randomly")
NO_LOAD = (*PYTEST_ARGS, "-m", "golive and not load")  # for tests that are not about the validation's load gates


@pytest.fixture(scope="session")
def release_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    backups = ("--backup-every", "3600")  # a snapshot of each collection at start, as a deployment keeps (GL-BAK-002)
    folder = tmp_path_factory.mktemp("release-sandbox")
    with running_sandbox(folder, demo=True, demo_scale=SCALE, extra_args=backups) as handle:
        yield handle


@pytest.fixture
def sandbox(release_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    yield from cleared(release_sandbox)


def set_faults(faults: str) -> str:
    """A hook command: merge the JSON ``faults`` into the sandbox's fault document (at $GOLIVE_TARGET_URL)."""
    url = "os.environ['GOLIVE_TARGET_URL'] + '/__sandbox/faults'"
    code = f"import httpx, os; httpx.put({url}, json={faults}).raise_for_status()"
    return f'{PY} -c "{code}"'


CLEAR_FAULTS = f"{PY} -c \"import httpx, os; httpx.delete(os.environ['GOLIVE_TARGET_URL'] + '/__sandbox/faults')\""


def release_config(tmp_path: Path, url: str, hooks: dict[str, Any]) -> Path:
    """env ``rel`` pointing at ``url``: the demo collections, load gates at 50/s for 2 s, ``hooks``."""
    config = {
        "env": "rel",
        "target": {"url": url, "grpc_port": None, "timeout": "2s", "connect_timeout": "1s"},
        "collections": [
            {"name": c.name, "vector_size": c.size, "distance": c.distance, "min_points": c.points_at(SCALE)}
            for c in DEMO_COLLECTIONS
        ],
        "thresholds": {"version": ">=1.10,<2", "gates": ["p95 < 10ms", "throughput >= 40/s", "errors < 0.1%"]},
        # a short window on a machine shared by several test runs: the generator's trust limits are widened so a
        # busy CI box does not make the validation INCONCLUSIVE (the load engine's own tests hold the defaults)
        "load": {
            "rate": "50/s",
            "duration": "2s",
            "warmup": "1s",
            "baseline_rounds": 5,
            "schedule_tolerance": "10ms",
            "max_behind": "10%",
        },
        "allow": {"probe_writes": True, "snapshot_restore": True, "full_load": True},
        "hooks": {"checkpoint": False, "healthy_timeout": "20s", "kill_grace": "1s", **hooks},
        "waivers": unclaimed_waivers(),  # the plain sandbox claims no keys, TLS, ...: waived by name
    }
    path = tmp_path / "rel.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def golive(*args: str, reports: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "golive", *args],
        cwd=REPO, env=clean_env(reports), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def audit(reports: Path) -> list[dict[str, Any]]:
    path = reports / "rel" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def release_record(reports: Path) -> dict[str, Any]:
    (folder,) = (reports / "rel" / "releases").iterdir()
    record: dict[str, Any] = json.loads((folder / "release.json").read_text())
    return record


def explain(reports: Path) -> str:
    """The audit's steps and each checklist run's verdict reasons: the message of a failed assertion."""
    lines = []
    for entry in audit(reports) if (reports / "rel" / "audit.jsonl").exists() else []:
        lines.append(f"{entry['step']}: {entry.get('outcome')} {entry.get('detail') or ''}")
        summary = reports / "rel" / str(entry.get("report")) / "summary.json"
        if entry.get("report") and summary.exists():
            data = json.loads(summary.read_text())
            lines += [f"    {r}" for r in data["reasons"]]
    return "\n".join(lines)
