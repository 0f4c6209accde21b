"""checks/test_cluster.py against the sandbox's ``cluster`` fault: a healthy three-peer cluster passes; a dead peer,
a dead local shard, a wrong peer count and a disabled cluster each fail their own item."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.sandbox.testing import SandboxHandle, running_sandbox

from .conftest import run_area

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAMES = ("alpha", "beta")


@pytest.fixture(scope="module")
def cluster_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with running_sandbox(tmp_path_factory.mktemp("cluster") / "data") as sb:
        for name in NAMES:
            httpx.put(f"{sb.url}/collections/{name}", json={"vectors": {"size": 4, "distance": "Dot"}}, timeout=10)
        yield sb


@pytest.fixture
def sandbox(cluster_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    cluster_sandbox.clear_faults()
    yield cluster_sandbox
    cluster_sandbox.clear_faults()


def _config(sb: SandboxHandle, cluster: bool = True, peers: int = 3) -> dict[str, Any]:
    return {
        "target": {"url": sb.url, "grpc_port": None},
        "claims": {"cluster": cluster},
        "cluster": {"expected_peers": peers, "failure_window": "1s"},
        "collections": [{"name": n, "vector_size": 4, "distance": "Dot"} for n in NAMES],
    }


def test_healthy_cluster_passes(tmp_path: Path, sandbox: SandboxHandle) -> None:
    sandbox.set_faults(cluster={"peers": 3, "dead_peers": 0, "shard_state": "Active"})
    run = run_area(tmp_path, _config(sandbox), "cluster")
    assert set(run.outcomes("GL-CLU-").values()) == {"passed"}, run.output[-3000:]
    assert len([c for c in run.summary["checks"] if c["id"] == "GL-CLU-003"]) == len(NAMES)  # one per collection


def test_single_node_skips_with_reason(tmp_path: Path, sandbox: SandboxHandle) -> None:
    run = run_area(tmp_path, _config(sandbox, cluster=False), "cluster")
    assert set(run.outcomes("GL-CLU-").values()) == {"skipped"}
    assert "claims.cluster is off: a single-node deployment" in run.message("GL-CLU-001")


def test_a_dead_peer_fails_send_failures_and_replicas(tmp_path: Path, sandbox: SandboxHandle) -> None:
    sandbox.set_faults(cluster={"peers": 3, "dead_peers": 1, "shard_state": "Active"})
    run = run_area(tmp_path, _config(sandbox), "cluster")
    assert run.outcome("GL-CLU-001") == "passed"
    assert run.outcome("GL-CLU-002") == "failed"
    assert "send failures grew within 1 s" in run.message("GL-CLU-002")
    assert "http://sandbox-peer-3:6335/" in run.message("GL-CLU-002")
    assert run.outcomes("GL-CLU-").get("GL-CLU-003") == "failed"
    assert "replicas not Active (shard: states): {0: ['Active', 'Active', 'Dead']}" in run.message("GL-CLU-003")


def test_a_dead_local_shard_fails_the_replica_item(tmp_path: Path, sandbox: SandboxHandle) -> None:
    sandbox.set_faults(cluster={"peers": 1, "dead_peers": 0, "shard_state": "Dead"})
    run = run_area(tmp_path, _config(sandbox, peers=1), "cluster")
    assert run.outcome("GL-CLU-001") == "passed"
    assert run.outcome("GL-CLU-002") == "passed"
    assert all(c["outcome"] == "failed" for c in run.summary["checks"] if c["id"] == "GL-CLU-003")
    assert "{0: ['Dead']}" in run.message("GL-CLU-003")


def test_wrong_peer_count_and_disabled_cluster_fail_the_peer_item(tmp_path: Path, sandbox: SandboxHandle) -> None:
    sandbox.set_faults(cluster={"peers": 2, "dead_peers": 0, "shard_state": "Active"})
    two = run_area(tmp_path / "two", _config(sandbox), "cluster")
    assert two.outcome("GL-CLU-001") == "failed"
    assert "/cluster lists 2 peers; expected 3" in two.message("GL-CLU-001")
    sandbox.clear_faults()
    off = run_area(tmp_path / "off", _config(sandbox), "cluster")
    assert off.outcome("GL-CLU-001") == "failed"
    assert "reports status disabled" in off.message("GL-CLU-001")
