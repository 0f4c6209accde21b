"""Fault injection state: what the sandbox pretends is wrong, set over ``/__sandbox/faults``.

>>> f = Faults(); f.merge({"latency_ms": 5, "paths": ["/collections/"]}); f.applies("/collections/x")
True
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from typing import Any

DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "error_rate": 0.0,
    "paths": None,
    "not_ready": False,
    "hang": False,
    "collections": {},
    "issues": [],
    "cluster": None,
    "snapshot_failure": False,
    "snapshot_checksum_wrong": False,
    "restore_damage": None,
    "search_recall": {},
    "stale_backups": {},
    "missing_copies": [],
    "drop_writes": False,
    "auth": None,
}
RESTORE_DAMAGE = {"lose_points", "change_payload", "drop_sparse"}
AUTH_FAULTS = {"keyless", "wrong_key", "read_only_writes"}  # which part of API-key enforcement is broken
COLLECTION_STATUSES = {"green", "yellow", "red", "grey"}
SHARD_STATES = {"Active", "Dead", "Partial", "Initializing", "Listener", "PartialSnapshot", "Recovery"}
SPIN_S = 0.0015  # sleep short of the target by this much, then yield-spin to it: timers may fire late by ~1 ms


class FaultError(ValueError):
    """A fault document that does not have the documented shape."""


def _number(key: str, value: Any, *, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultError(f"{key} must be a non-negative number, got {value!r}")
    if upper is not None and value > upper:
        raise FaultError(f"{key} must be at most {upper}, got {value!r}")
    return value


def _validated(key: str, value: Any) -> Any:
    if key in {"latency_ms", "jitter_ms"}:
        return _number(key, value)
    if key == "error_rate":
        return float(_number(key, value, upper=1.0))
    if key in {"not_ready", "hang", "snapshot_failure", "snapshot_checksum_wrong", "drop_writes"}:
        if not isinstance(value, bool):
            raise FaultError(f"{key} must be true or false, got {value!r}")
        return value
    if key == "auth":
        if value is not None and value not in AUTH_FAULTS:
            raise FaultError(f"auth must be null or one of {sorted(AUTH_FAULTS)}, got {value!r}")
        return value
    if key == "paths":
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(p, str) and p.startswith("/") for p in value):
            raise FaultError("paths must be null or a list of path prefixes starting with '/'")
        return list(value)
    if key == "collections":
        if not isinstance(value, dict):
            raise FaultError("collections must be an object {name: {status, optimizer_error}}")
        out: dict[str, dict[str, str]] = {}
        for name, spec in value.items():
            if not isinstance(spec, dict) or not set(spec) <= {"status", "optimizer_error"}:
                raise FaultError(f"collections.{name} takes status and optimizer_error")
            if "status" in spec and spec["status"] not in COLLECTION_STATUSES:
                raise FaultError(f"collections.{name}.status must be one of {sorted(COLLECTION_STATUSES)}")
            if "optimizer_error" in spec and not isinstance(spec["optimizer_error"], str):
                raise FaultError(f"collections.{name}.optimizer_error must be a string")
            out[str(name)] = dict(spec)
        return out
    if key == "issues":
        if not isinstance(value, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in value):
            raise FaultError("issues must be a list of {id, description, solution}")
        return [
            {
                "id": i["id"],
                "description": str(i.get("description", "")),
                "solution": str(i.get("solution", "")),
            }
            for i in value
        ]
    if key == "restore_damage":
        if value is not None and value not in RESTORE_DAMAGE:
            raise FaultError(f"restore_damage must be null or one of {sorted(RESTORE_DAMAGE)}, got {value!r}")
        return value
    if key == "stale_backups":
        if not isinstance(value, dict):
            raise FaultError("stale_backups must be an object {collection: age in seconds}")
        return {str(name): float(_number(f"stale_backups.{name}", age)) for name, age in value.items()}
    if key == "missing_copies":
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise FaultError("missing_copies must be a list of collection names")
        return list(value)
    if key == "search_recall":
        if not isinstance(value, dict):
            raise FaultError("search_recall must be an object {collection: recall between 0 and 1}")
        return {str(name): float(_number(f"search_recall.{name}", r, upper=1.0)) for name, r in value.items()}
    if key == "cluster":
        if value is None:
            return None
        if not isinstance(value, dict):
            raise FaultError("cluster must be null or {peers, dead_peers, shard_state}")
        peers = int(_number("cluster.peers", value.get("peers", 3)))
        dead = int(_number("cluster.dead_peers", value.get("dead_peers", 0)))
        state = value.get("shard_state", "Active")
        if peers < 1 or dead > peers:
            raise FaultError("cluster.peers must be >= 1 and cluster.dead_peers <= cluster.peers")
        if state not in SHARD_STATES:
            raise FaultError(f"cluster.shard_state must be one of {sorted(SHARD_STATES)}")
        return {"peers": peers, "dead_peers": dead, "shard_state": state}
    raise FaultError(f"unknown fault key {key!r}; known keys: {sorted(DEFAULTS)}")


class Faults:
    """The current faults; ``merge`` validates everything before changing anything."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self._changed: asyncio.Event | None = None
        self._rng = random.Random()

    def to_json(self) -> dict[str, Any]:
        return copy.deepcopy(self.state)

    def merge(self, update: Any) -> None:
        if not isinstance(update, dict):
            raise FaultError("the fault document must be a JSON object")
        validated = {key: _validated(key, value) for key, value in update.items()}
        self.state.update(validated)
        self._notify()

    def clear(self) -> None:
        self.state = copy.deepcopy(DEFAULTS)
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def applies(self, path: str) -> bool:
        """Whether latency / errors / hang apply to ``path`` (never to ``/__sandbox``)."""
        if path.startswith("/__sandbox"):
            return False
        prefixes = self.state["paths"]
        return prefixes is None or any(path.startswith(p) for p in prefixes)

    def delay_s(self) -> float:
        base = float(self.state["latency_ms"])
        jitter = float(self.state["jitter_ms"])
        return (base + (self._rng.uniform(0.0, jitter) if jitter else 0.0)) / 1000.0

    def should_fail(self) -> bool:
        rate = float(self.state["error_rate"])
        return rate > 0 and self._rng.random() < rate

    async def wait_while_hanging(self) -> None:
        """Block (without blocking the loop) while ``hang`` is set."""
        while self.state["hang"]:
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    def search_skip(self, name: str, limit: int) -> int:
        """How many true nearest neighbours a default search of ``name`` skips (the ``search_recall`` fault)."""
        recall = self.state["search_recall"].get(name)
        return 0 if recall is None else round(limit * (1.0 - recall))

    def collection_fault(self, name: str) -> dict[str, str]:
        faults: dict[str, dict[str, str]] = self.state["collections"]
        return faults.get(name, {})


async def precise_sleep(seconds: float) -> None:
    """Sleep ``seconds`` with sub-millisecond accuracy without blocking the event loop.

    The deadline uses ``time.perf_counter``: uvloop's ``loop.time()`` is libuv's cached millisecond
    clock, which made a 5 ms fault measure 5.9 ms.
    """
    if seconds <= 0:
        return
    deadline = time.perf_counter() + seconds
    if seconds > SPIN_S:
        await asyncio.sleep(seconds - SPIN_S)
    while time.perf_counter() < deadline:
        await asyncio.sleep(0)
