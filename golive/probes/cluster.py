"""Qdrant's cluster state: ``GET /cluster`` (peers, raft, send failures) and ``GET /collections/{c}/cluster``.

``cluster_state(qdrant)`` -> ``ClusterState(enabled=True, peers=3, leader=1, pending=0, send_failures={...})``;
``shard_replicas(qdrant, "documents")`` -> ``ShardReplicas(replicas={0: ["Active", "Active", "Dead"]}, ...)``.
Probes observe; ``checks/test_cluster.py`` judges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import Field

from golive.fields import Duration, Section
from golive.target import Target


class ClusterSettings(Section):
    """``cluster:``: what a healthy cluster of this deployment looks like (used where ``claims.cluster`` is on)."""

    expected_peers: int = Field(3, ge=1, description="the number of peers /cluster must report")
    failure_window: Duration = Field(2.0, description="how long to watch message-send failures for growth")


@dataclass(frozen=True)
class ClusterState:
    enabled: bool
    peers: int = 0
    leader: int | None = None
    pending: int = 0
    send_failures: dict[str, int] = field(default_factory=dict)  # peer URI -> failure count


def cluster_state(target: Target) -> ClusterState:
    result = target.result("/cluster")
    if result.get("status") != "enabled":
        return ClusterState(enabled=False)
    raft = result.get("raft_info") or {}
    failures = {uri: int(f.get("count", 0)) for uri, f in (result.get("message_send_failures") or {}).items()}
    return ClusterState(True, len(result.get("peers") or {}), raft.get("leader"),
                        int(raft.get("pending_operations") or 0), failures)  # fmt: skip


def growing_failures(before: ClusterState, after: ClusterState) -> dict[str, tuple[int, int]]:
    """Peers whose send-failure count rose between two reads: ``{uri: (before, after)}``."""
    return {
        uri: (before.send_failures.get(uri, 0), count)
        for uri, count in after.send_failures.items()
        if count > before.send_failures.get(uri, 0)
    }


@dataclass(frozen=True)
class ShardReplicas:
    collection: str
    replication_factor: int
    replicas: dict[int, list[str]]  # shard id -> the states of its replicas (local and remote)
    transfers: int

    def not_active(self) -> dict[int, list[str]]:
        return {shard: states for shard, states in self.replicas.items() if any(s != "Active" for s in states)}

    def under_replicated(self) -> dict[int, int]:
        """Shards with fewer Active replicas than the replication factor: ``{shard: active}``."""
        active = {shard: sum(s == "Active" for s in states) for shard, states in self.replicas.items()}
        return {shard: n for shard, n in active.items() if n < self.replication_factor}


def shard_replicas(target: Target, collection: str) -> ShardReplicas:
    info = target.result(f"/collections/{collection}")
    factor = int(info.get("config", {}).get("params", {}).get("replication_factor") or 1)
    layout = target.result(f"/collections/{collection}/cluster")
    replicas: dict[int, list[str]] = defaultdict(list)
    for shard in [*(layout.get("local_shards") or []), *(layout.get("remote_shards") or [])]:
        replicas[int(shard["shard_id"])].append(str(shard.get("state")))
    return ShardReplicas(collection, factor, dict(replicas), len(layout.get("shard_transfers") or []))
