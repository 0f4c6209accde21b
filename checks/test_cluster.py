"""Cluster (where ``claims.cluster`` is on): the expected peers with a raft leader and nothing stuck, and every
collection's shards fully replicated and Active. A single-node deployment skips with that reason."""

from __future__ import annotations

import time

import pytest

from golive.config import Settings
from golive.probes.cluster import cluster_state, growing_failures, shard_replicas
from golive.probes.collections import ExpectedCollection
from golive.target import Target

pytestmark = pytest.mark.golive


def _clustered(settings: Settings) -> None:
    if not settings.claims.cluster:
        pytest.skip("claims.cluster is off: a single-node deployment has no peers or replicas to check")


@pytest.mark.check("GL-CLU-001", severity="blocker")
def test_cluster_has_its_peers_and_a_leader(qdrant: Target, golive_config: Settings) -> None:
    """/cluster reports the expected number of peers, a raft leader and no pending operations."""
    _clustered(golive_config)
    seen = cluster_state(qdrant)
    assert seen.enabled, "GET /cluster reports status disabled; claims.cluster says the deployment is a cluster"
    expected = golive_config.cluster.expected_peers
    assert seen.peers == expected, f"/cluster lists {seen.peers} peers; expected {expected} (cluster.expected_peers)"
    assert seen.leader is not None, "/cluster reports no raft leader"
    assert seen.pending == 0, f"/cluster reports {seen.pending} pending raft operations; expected 0"


@pytest.mark.check("GL-CLU-002", severity="blocker")
def test_no_message_send_failures_are_growing(qdrant: Target, golive_config: Settings) -> None:
    """Message-send failures between peers do not grow over ``cluster.failure_window``."""
    _clustered(golive_config)
    before = cluster_state(qdrant)
    time.sleep(golive_config.cluster.failure_window)
    growing = growing_failures(before, cluster_state(qdrant))
    window = golive_config.cluster.failure_window
    assert not growing, f"send failures grew within {window:g} s (peer: before -> after): {growing}"


@pytest.mark.check("GL-CLU-003", severity="blocker")
def test_collection_shards_are_replicated_and_active(
    qdrant: Target, golive_config: Settings, expected_collection: ExpectedCollection
) -> None:
    """Every shard replica of the collection is Active, the replication factor is met, no transfer is running."""
    _clustered(golive_config)
    seen = shard_replicas(qdrant, expected_collection.name)
    name = expected_collection.name
    assert not seen.not_active(), f"{name}: replicas not Active (shard: states): {seen.not_active()}"
    short = seen.under_replicated()
    assert not short, f"{name}: Active replicas per shard {short}; replication factor {seen.replication_factor}"
    assert seen.transfers == 0, f"{name}: {seen.transfers} shard transfer(s) in progress"
