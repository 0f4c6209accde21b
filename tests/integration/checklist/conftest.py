"""A small demo sandbox and a way to run the real checklist against it in a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.ports import free_port
from support.runs import REPO, Run, run_golive_pytest
from support.sandboxes import cleared
from support.waivers import load_waivers, unclaimed_waivers

from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxHandle, running_sandbox

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
    yield from cleared(sandbox)


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


def run_checklist(
    tmp_path: Path, config: dict[str, Any], *args: str, timeout: float = 120, environ: dict[str, str] | None = None
) -> Run:
    """``pytest -m golive checks/`` in a subprocess, as an SRE would run it; returns exit code and summary."""
    return run_golive_pytest(
        config, tmp_path / "env.yaml", tmp_path / "reports", "-q", *args, str(REPO / "checks"),
        environ=environ, timeout=timeout,
    )  # fmt: skip
