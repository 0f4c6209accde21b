"""Real parts for the host items: an OpenSSH server, sandboxes as root and as an unprivileged user, and a way
to run checks/test_system.py and checks/test_service.py in a subprocess, as an SRE would."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.runs import REPO, Run, run_golive_pytest

from golive.sandbox.testing import SandboxHandle, running_sandbox

from .sshd import Sshd, running_sshd

HOST_ITEMS = [str(REPO / "checks" / "test_system.py"), str(REPO / "checks" / "test_service.py")]
UNPRIVILEGED = "nobody"


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """One real sshd for the session (root, key only), stopped even when tests fail."""
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, Path]]:
    """An empty sandbox as this user (root here): the 'Qdrant process' the host items find by its port."""
    data = tmp_path_factory.mktemp("service") / "storage"
    data.mkdir(mode=0o750)
    with running_sandbox(data) as handle:
        yield handle, data


@pytest.fixture(scope="session")
def unprivileged_service() -> Iterator[tuple[SandboxHandle, Path]]:
    """The same sandbox started as the unprivileged user ``nobody`` (needs root to switch users)."""
    if os.geteuid() != 0:
        pytest.skip("starting a process as another user needs root")
    python, pythonpath = _interpreter_for(UNPRIVILEGED)
    home = Path(tempfile.mkdtemp(prefix="golive-nobody-"))
    try:
        entry = pwd.getpwnam(UNPRIVILEGED)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        data = home / "storage"
        data.mkdir(mode=0o750)
        os.chown(data, entry.pw_uid, entry.pw_gid)
        with running_sandbox(data, user=UNPRIVILEGED, python=python, pythonpath=pythonpath) as handle:
            yield handle, data
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _interpreter_for(user: str) -> tuple[str, str]:
    """An interpreter ``user`` may run that imports golive: this one, or the system's of the same version
    (a pyenv interpreter under /root is out of reach of other users) with this venv's packages on its path."""
    import sysconfig

    entry = pwd.getpwnam(user)
    pythonpath = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        try:
            probe = subprocess.run(
                [python, "-c", "import golive.sandbox.server"], user=entry.pw_uid, group=entry.pw_gid, extra_groups=[],
                env={"PYTHONPATH": pythonpath, "PATH": os.environ.get("PATH", "")}, capture_output=True,
                timeout=60, check=False, cwd="/",
            )  # fmt: skip
        except OSError:
            continue
        if probe.returncode == 0:
            return python, pythonpath
    pytest.skip(f"no Python {version} that {user} may run and that imports golive")


def host_entry(spec: str, port: int, storage: Path, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "spec": spec,
        "name": "node",
        "ports": {"rest": port},
        "listen_addresses": ["127.0.0.1"],
        "storage_path": str(storage),
    }
    entry.update(fields)
    return entry


def ssh_entry(sshd: Sshd, port: int, storage: Path, scheme: str = "ssh", **fields: Any) -> dict[str, Any]:
    keys = {"identity_file": str(sshd.client_key), "known_hosts_file": str(sshd.known_hosts)}
    return host_entry(sshd.spec("root", scheme), port, storage, **{**keys, **fields})


def run_host_items(
    tmp_path: Path, hosts: list[dict[str, Any]], *args: str, timeout: float = 120, **sections: Any
) -> Run:
    """The host items for ``hosts`` (thresholds and backups from ``sections``) in a pytest subprocess."""
    config: dict[str, Any] = {"target": {"url": "http://127.0.0.1:9", "grpc_port": None}, "hosts": hosts}
    # lenient defaults: the machine running the tests is what it is; the fault tests set their own
    lenient = {"cpu": "100%", "memory": "100%", "disk": "100%", "swap": "100%", "load_per_core": 1000,
               "min_open_files": 1024, "min_max_map_count": 1024}  # fmt: skip
    config["thresholds"] = {"system": lenient}
    config.update(sections)
    return run_golive_pytest(
        config, tmp_path / "env.yaml", tmp_path / "reports", "-q", *args, *HOST_ITEMS, timeout=timeout
    )
