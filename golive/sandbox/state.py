"""The server's shared state, handed to every route handler."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from golive.sandbox.auth import Keys
from golive.sandbox.engine import Store
from golive.sandbox.faults import Faults
from golive.sandbox.metrics import RequestStats


@dataclass
class State:
    store: Store
    keys: Keys
    faults: Faults = field(default_factory=Faults)
    stats: RequestStats = field(default_factory=RequestStats)
    cors_origins: tuple[str, ...] = ("*",)
    demo: bool = False
    demo_scale: float = 1.0
    demo_seed: int = 0
    loaded: bool = False
    stopping: bool = False
    backup_every: float = 0.0  # scheduled backups (golive.sandbox.backups): 0 is off
    backup_copies: list[Path] = field(default_factory=list)
    backup_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    backing_up: bool = False  # the first round of scheduled backups is running (not ready until it ends)
    load_error: str | None = None
    url: str = ""  # where the server listens, for log lines (set by the CLI)
    instance_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    issues_since: dict[str, dt.datetime] = field(default_factory=dict)  # when each injected issue appeared

    def ready(self) -> bool:
        """Like Qdrant's /readyz: loaded, and no local shard in a state other than Active.

        Under the ``cluster`` fault every collection's local shard is in ``shard_state``; dead remote
        peers alone do not make the node unready.
        """
        if not self.loaded or self.backing_up or self.faults.state["not_ready"]:
            return False
        cluster = self.faults.state["cluster"]
        return cluster is None or cluster["shard_state"] == "Active" or not self.store.collections
