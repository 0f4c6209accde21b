"""The store: one qdrant-edge shard per collection, plus its REST-level config as JSON.

Layout under the data dir: ``collections/<name>/shard/`` (the edge shard) and
``collections/<name>/config.json``. Writes to a collection are serialised by its lock and run in a
worker thread; searches run directly on the event loop. A debounced background task runs the
shard's optimizer after writes, so indexing happens like in Qdrant (status yellow meanwhile).

    >>> store = Store(Path(".golive/sandbox-data")); store.load_all()  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import qdrant_edge as qe

from golive.sandbox.protocol import ApiError, bad_input, bad_request, collection_not_found
from golive.sandbox.vectors import Space, edge_vectors
from golive.sandbox.vectors import parse_config as parse_vectors

log = logging.getLogger("golive.sandbox")
T = TypeVar("T")

NAME_RE = re.compile(r"^[A-Za-z0-9_\-.]{1,255}$")
OPTIMIZE_DEBOUNCE_S = 0.2

DEFAULT_HNSW: dict[str, Any] = {
    "m": 16,
    "ef_construct": 100,
    "full_scan_threshold": 10000,
    "max_indexing_threads": 0,
    "on_disk": False,
    "payload_m": None,
}
DEFAULT_OPTIMIZERS: dict[str, Any] = {
    "deleted_threshold": 0.2,
    "vacuum_min_vector_number": 1000,
    "default_segment_number": 0,
    "max_segment_size": None,
    "memmap_threshold": None,
    "indexing_threshold": 10000,
    "flush_interval_sec": 5,
    "max_optimization_threads": None,
}
# One search thread per shard. The caller holds the GIL while qdrant-edge's pool runs the search, so a
# second pool thread cannot overlap another request's search; it only splits one search over the segments
# and spins after each job: 0.16 ms CPU a search with the default pool (2 threads here) against 0.08 ms.
SEARCH_THREADS = 1
WAL_CONFIG = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}
SCHEMA_TYPES = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "float": qe.PayloadSchemaType.Float,
    "bool": qe.PayloadSchemaType.Bool,
    "datetime": qe.PayloadSchemaType.Datetime,
    "text": qe.PayloadSchemaType.Text,
    "uuid": qe.PayloadSchemaType.Uuid,
    "geo": qe.PayloadSchemaType.Geo,
}


def validate_name(name: str) -> str:
    if not NAME_RE.match(name) or name in {".", ".."}:
        raise ApiError(422, f"Validation error in path parameters: [name: invalid collection name `{name}`]")
    return name


def parse_create(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a ``PUT /collections/{c}`` body into the stored REST config."""
    vectors, sparse = parse_vectors(body)
    hnsw, optimizers = _tuning(DEFAULT_HNSW, DEFAULT_OPTIMIZERS, body)
    config = {
        "vectors": vectors,
        "hnsw_config": hnsw,
        "optimizers_config": optimizers,
        "on_disk_payload": bool(body.get("on_disk_payload", True)),
        "params": _factors({}, body),
        "metadata": dict(body.get("metadata") or {}),
        "demo": None,
    }
    if sparse:
        config["sparse_vectors"] = sparse
    return config


FACTORS = ("replication_factor", "write_consistency_factor", "read_fan_out_factor", "read_fan_out_delay_ms")


def _factors(params: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Replication and read factors (validated before): one node stores and reports them, as Qdrant does."""
    return {**params, **{k: given[k] for k in FACTORS if given.get(k) is not None}}


def _tuning(hnsw: dict[str, Any], optimizers: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """``hnsw`` and ``optimizers`` with the body's ``hnsw_config`` / ``optimizers_config`` merged in, validated."""
    hnsw = _merged(hnsw, body.get("hnsw_config"), "hnsw_config")
    optimizers = _merged(optimizers, body.get("optimizers_config"), "optimizers_config")
    given = body.get("optimizers_config")
    if optimizers.get("max_optimization_threads") == "auto":
        optimizers["max_optimization_threads"] = None
    if isinstance(given, dict) and given.get("prevent_unoptimized") is not None:  # shown only once set, as Qdrant
        optimizers["prevent_unoptimized"] = bool(given["prevent_unoptimized"])
    for key in ("m", "ef_construct", "full_scan_threshold"):
        if not isinstance(hnsw[key], int) or isinstance(hnsw[key], bool) or hnsw[key] < 0:
            raise bad_input(f"hnsw_config.{key} must be a non-negative integer")
    threshold = optimizers["indexing_threshold"]
    if threshold is not None and (not isinstance(threshold, int) or threshold < 0):
        raise bad_input("optimizers_config.indexing_threshold must be a non-negative integer")
    return hnsw, optimizers


#: ``PATCH /collections/{c}`` fields the sandbox cannot honour (qdrant-edge fixes a shard's vectors at creation).
UNSUPPORTED_UPDATES = ("vectors", "quantization_config", "sparse_vectors", "strict_mode_config")


def parse_update(config: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The stored REST config after a ``PATCH /collections/{c}`` body (hnsw, optimizers, on_disk_payload)."""
    unsupported = [key for key in UNSUPPORTED_UPDATES if body.get(key) is not None]
    if unsupported:
        raise bad_request(f"updating {', '.join(unsupported)} is not supported by the golive sandbox")
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        raise bad_request("params must be an object")
    hnsw, optimizers = _tuning(config["hnsw_config"], config["optimizers_config"], body)
    updated = copy.deepcopy(config)
    updated["hnsw_config"], updated["optimizers_config"] = hnsw, optimizers
    if params and params.get("on_disk_payload") is not None:
        updated["on_disk_payload"] = bool(params["on_disk_payload"])
    updated["params"] = _factors(config.get("params", {}), params or {})
    if isinstance(body.get("metadata"), dict):  # merged into the stored metadata, as Qdrant does
        updated["metadata"] = {**config.get("metadata", {}), **body["metadata"]}
    return updated


def _merged(defaults: dict[str, Any], given: Any, name: str) -> dict[str, Any]:
    if given is None:
        return dict(defaults)
    if not isinstance(given, dict):
        raise bad_request(f"{name} must be an object")
    merged = dict(defaults)
    merged.update({k: v for k, v in given.items() if k in defaults and v is not None})
    return merged


def edge_config(config: dict[str, Any]) -> qe.EdgeConfig:
    hnsw, opt = config["hnsw_config"], config["optimizers_config"]
    return qe.EdgeConfig(
        **edge_vectors(config, hnsw),
        hnsw_config=qe.HnswIndexConfig(
            m=hnsw["m"],
            ef_construct=hnsw["ef_construct"],
            full_scan_threshold=hnsw["full_scan_threshold"],
            max_indexing_threads=hnsw["max_indexing_threads"] or 0,
            on_disk=hnsw.get("on_disk"),
            payload_m=hnsw.get("payload_m"),
        ),
        max_search_threads=SEARCH_THREADS,
        on_disk_payload=config.get("on_disk_payload"),
        optimizers=qe.EdgeOptimizersConfig(
            deleted_threshold=opt["deleted_threshold"],
            vacuum_min_vector_number=opt["vacuum_min_vector_number"],
            default_segment_number=opt["default_segment_number"],
            max_segment_size=opt["max_segment_size"],
            indexing_threshold=opt["indexing_threshold"],
            prevent_unoptimized=opt.get("prevent_unoptimized"),
        ),
    )


@dataclass
class Collection:
    """One collection: its shard, REST config, write lock and optimizer state."""

    name: str
    directory: Path
    shard: qe.EdgeShard
    config: dict[str, Any]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    operation_id: int = 0
    optimize_pending: bool = False
    optimizing: bool = False
    optimizer_error: str | None = None
    closed: bool = False
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _space: Space | None = None

    @property
    def space(self) -> Space:
        """The collection's dense and sparse vectors (PATCH cannot change them, so it is read once)."""
        if self._space is None:
            self._space = Space.of(self.config)
        return self._space

    def save_config(self) -> None:
        tmp = self.directory / "config.json.tmp"
        tmp.write_text(json.dumps(self.config, indent=2))
        tmp.replace(self.directory / "config.json")

    def next_operation_id(self) -> int:
        self.operation_id += 1
        return self.operation_id

    async def run_write(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (touching the shard) in a thread, serialised with other writes."""
        async with self.lock:
            if self.closed:  # deleted or replaced while this write waited for the lock
                raise collection_not_found(self.name)
            result = await asyncio.to_thread(fn)
        self.schedule_optimize()
        return result

    async def update(self, op: qe.UpdateOperation, *, wait: bool) -> tuple[int, str]:
        """Apply ``op``; with ``wait=False`` acknowledge at once and apply in the background."""
        op_id = self.next_operation_id()
        if wait:
            await self.run_write(lambda: self.shard.update(op))
            return op_id, "completed"
        task = asyncio.create_task(self.run_write(lambda: self.shard.update(op)))
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return op_id, "acknowledged"

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background write on %s failed: %s", self.name, task.exception())

    def schedule_optimize(self) -> None:
        # Qdrant: max_optimization_threads 0 switches the optimizers off, so nothing gets indexed.
        if self.optimize_pending or self.config["optimizers_config"].get("max_optimization_threads") == 0:
            return
        self.optimize_pending = True
        task = asyncio.create_task(self._optimize_later())
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def _optimize_later(self) -> None:
        await asyncio.sleep(OPTIMIZE_DEBOUNCE_S)
        async with self.lock:
            self.optimize_pending = False
            if self.closed:
                return
            self.optimizing = True
            try:
                await asyncio.to_thread(self.shard.optimize)
                self.optimizer_error = None
            except Exception as exc:
                self.optimizer_error = str(exc)
            finally:
                self.optimizing = False

    async def settle(self) -> None:
        """Wait for background writes and optimizations (used at shutdown and by snapshots)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def info(self) -> qe.ShardInfo:
        return self.shard.info()

    def queued_writes(self) -> int:
        """Writes acknowledged (``wait=false``) and not yet applied: Qdrant's ``update_queue.length``."""
        return len(self._tasks) - self.optimize_pending - self.optimizing

    async def reconfigure(self, config: dict[str, Any]) -> None:
        """Reopen the shard with ``config`` (qdrant-edge takes tuning changes only at load) and store it.

        Close and load run on the event loop, not in a thread: searches run on the loop too, so none
        can reach the shard while it is closed.
        """
        async with self.lock:
            if self.closed:
                raise collection_not_found(self.name)
            self.shard.flush()
            self.shard.close()
            try:
                self.shard = qe.EdgeShard.load(str(self.directory / "shard"), edge_config(config))
            except Exception:
                self.shard = qe.EdgeShard.load(str(self.directory / "shard"), edge_config(self.config))
                raise
            self.config = config
            self.save_config()
        self.schedule_optimize()


class Store:
    """All collections under ``data_dir/collections``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "collections"
        self.collections: dict[str, Collection] = {}
        self.lock = asyncio.Lock()

    def load_all(self) -> None:
        """Open every persisted collection (synchronous; called once at startup)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for directory in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if directory.name.startswith(".") or not (directory / "config.json").is_file():
                continue
            try:
                self.collections[directory.name] = self.open(directory)
            except Exception as exc:
                log.error("skipping collection %s: cannot load: %s", directory.name, exc)

    @staticmethod
    def open(directory: Path) -> Collection:
        config = json.loads((directory / "config.json").read_text())
        shard = qe.EdgeShard.load(str(directory / "shard"), edge_config(config))
        return Collection(directory.name, directory, shard, config)

    def get(self, name: str) -> Collection:
        try:
            return self.collections[name]
        except KeyError:
            raise collection_not_found(name) from None

    def names(self) -> list[str]:
        return sorted(self.collections)

    async def create(self, name: str, config: dict[str, Any]) -> Collection:
        validate_name(name)
        async with self.lock:
            if name in self.collections:
                raise ApiError(409, f"Wrong input: Collection `{name}` already exists!")
            collection = await asyncio.to_thread(self._create_sync, name, config)
            self.collections[name] = collection
            return collection

    def _create_sync(self, name: str, config: dict[str, Any]) -> Collection:
        directory = self.root / name
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        shard = qe.EdgeShard.create(str(directory / "shard"), edge_config(config))
        collection = Collection(name, directory, shard, copy.deepcopy(config))
        collection.save_config()
        return collection

    async def delete(self, name: str) -> bool:
        async with self.lock:
            collection = self.collections.get(name)
            if collection is None:
                return False
            async with collection.lock:
                del self.collections[name]
                await asyncio.to_thread(_close_and_remove, collection)
            return True

    async def replace(self, name: str, staged: Path) -> Collection:
        """Swap in a staged collection directory (snapshot recovery); creates it if absent."""
        validate_name(name)
        async with self.lock:
            old = self.collections.pop(name, None)
            if old is not None:
                async with old.lock:
                    await asyncio.to_thread(_close_and_remove, old)
            target = self.root / name
            await asyncio.to_thread(staged.replace, target)
            collection = await asyncio.to_thread(self.open, target)
            self.collections[name] = collection
            return collection

    async def close_all(self) -> None:
        """Flush and close every shard (shutdown)."""
        for collection in list(self.collections.values()):
            await collection.settle()
            async with collection.lock:
                await asyncio.to_thread(_flush_and_close, collection)
        self.collections.clear()


def _flush_and_close(collection: Collection) -> None:
    collection.closed = True
    collection.shard.flush()
    collection.shard.close()


def _close_and_remove(collection: Collection) -> None:
    collection.closed = True
    collection.shard.close()
    shutil.rmtree(collection.directory, ignore_errors=True)
