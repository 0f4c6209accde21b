"""Full-storage snapshots (``/snapshots``), shard snapshots and Qdrant's ``?wait=false`` 202 for snapshots.

A full-storage snapshot is ``snapshots/full-snapshot-<time>.snapshot``: a tar of one sandbox collection
snapshot per collection plus ``config.json`` (``collections_mapping`` and ``collection_aliases``, as in
Qdrant's). Qdrant restores those only from its command line (``--storage-snapshot``), so no REST call
recovers one here either. The sandbox has one shard per collection, id 0; a shard snapshot
(``snapshots/<c>/shards/0/``) is that collection's snapshot and restores only into an existing collection.

    >>> await accept_or_wait(s, r, lambda: snapshots.create(s.store, c))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import tarfile
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from golive.sandbox import snapshots
from golive.sandbox.protocol import ApiError, Request, Response, bad_request, ok
from golive.sandbox.state import State

log = logging.getLogger("golive.sandbox")
SNAPSHOT_TYPE = b"application/octet-stream"
_BACKGROUND: set[asyncio.Task[Any]] = set()


async def accept_or_wait(s: State, r: Request, work: Callable[[], Awaitable[Any]]) -> Response:
    """Qdrant's snapshot endpoints: ``?wait=false`` answers 202 ``{"result": null, "status": "accepted"}``
    and does the work in the background; otherwise (the default) 200 with the work's result."""
    if r.flag("wait", True):
        return ok(await work(), started=r.started)

    async def run() -> None:
        try:
            await work()
        except Exception as exc:  # nobody waits for the answer: the log is the only place to say it
            log.error("background snapshot operation %s %s failed: %s", r.method, r.path, exc)

    task = asyncio.create_task(run())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return ok(None, started=r.started, status=202, status_text="accepted")


def snapshot_fault(s: State) -> None:
    """The ``snapshot_failure`` fault: creating, recovering or uploading any kind of snapshot is a 500."""
    if s.faults.state["snapshot_failure"]:
        raise ApiError(500, "Service internal error: injected snapshot failure (golive sandbox fault)")


def _root(s: State) -> Path:
    root = s.store.data_dir / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _named(root: Path, name: str) -> Path:
    if "/" in name or name.startswith(".") or not name.endswith(".snapshot") or not (root / name).is_file():
        raise ApiError(404, f"Not found: Snapshot {name} not found")
    return root / name


async def list_full(s: State, r: Request) -> Response:
    return ok([snapshots.describe(p) for p in sorted(_root(s).glob("*.snapshot"))], started=r.started)


async def create_full(s: State, r: Request) -> Response:
    snapshot_fault(s)
    return await accept_or_wait(s, r, lambda: _create_full(s))


async def _create_full(s: State) -> dict[str, Any]:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
    path = _root(s) / f"full-snapshot-{stamp}.snapshot"
    with tempfile.TemporaryDirectory(dir=snapshots.staging_dir(s.store)) as tmp:
        mapping: dict[str, str] = {}
        for name in s.store.names():
            collection = s.store.collections.get(name)
            if collection is None:  # deleted while the others were written
                continue
            await collection.settle()
            member = f"{name}-full-{stamp}.snapshot"
            async with collection.lock:
                if collection.closed:
                    continue
                await asyncio.to_thread(snapshots._write_tar, collection, Path(tmp) / member)
            mapping[name] = member
        config = {"collections_mapping": mapping, "collection_aliases": {}}
        (Path(tmp) / "config.json").write_text(json.dumps(config))
        await asyncio.to_thread(_write_full, Path(tmp), sorted(mapping.values()), path)
    return snapshots.describe(path)


def _write_full(folder: Path, members: list[str], path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    with tarfile.open(partial, "w") as tar:  # the members are gzip tars already
        tar.add(folder / "config.json", arcname="config.json")
        for member in members:
            tar.add(folder / member, arcname=member)
    checksum = snapshots.sha256_of(partial)
    partial.replace(path)
    path.with_name(path.name + ".checksum").write_text(checksum + "\n")


async def download_full(s: State, r: Request) -> Response:
    path = _named(_root(s), r.params["snapshot"])
    return Response(200, await asyncio.to_thread(path.read_bytes), SNAPSHOT_TYPE)


async def delete_full(s: State, r: Request) -> Response:
    path = _named(_root(s), r.params["snapshot"])

    async def work() -> bool:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".checksum").unlink(missing_ok=True)
        return True

    return await accept_or_wait(s, r, work)


def _shard_root(s: State, r: Request) -> Path:
    """``snapshots/<c>/shards/0`` for an existing collection and shard 0; Qdrant's 404s otherwise."""
    name = r.params["name"]
    s.store.get(name)
    raw = r.params["shard"]
    if not (raw.isascii() and raw.isdigit()):
        raise bad_request(f"Invalid shard id {raw!r}: expected a non-negative integer")
    if int(raw) != 0:
        raise ApiError(404, f"Not found: shard {int(raw)} not found")
    return snapshots.snapshot_root(s.store, name) / "shards" / "0"


async def list_shard(s: State, r: Request) -> Response:
    root = _shard_root(s, r)
    listed = [snapshots.describe(p) for p in sorted(root.glob("*.snapshot"))] if root.is_dir() else []
    return ok(listed, started=r.started)


async def create_shard(s: State, r: Request) -> Response:
    root = _shard_root(s, r)
    collection = s.store.get(r.params["name"])
    snapshot_fault(s)

    async def work() -> dict[str, Any]:
        await collection.settle()
        root.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S-%f")
        path = root / f"{collection.name}-shard-0-{stamp}.snapshot"
        async with collection.lock:
            if collection.closed:
                raise ApiError(404, f"Not found: Collection `{collection.name}` doesn't exist!")
            await asyncio.to_thread(snapshots._write_tar, collection, path)
        return snapshots.describe(path)

    return await accept_or_wait(s, r, work)


async def download_shard(s: State, r: Request) -> Response:
    path = _named(_shard_root(s, r), r.params["snapshot"])
    return Response(200, await asyncio.to_thread(path.read_bytes), SNAPSHOT_TYPE)


async def delete_shard(s: State, r: Request) -> Response:
    path = _named(_shard_root(s, r), r.params["snapshot"])

    async def work() -> bool:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".checksum").unlink(missing_ok=True)
        return True

    return await accept_or_wait(s, r, work)


async def recover_shard(s: State, r: Request) -> Response:
    _shard_root(s, r)
    body = r.json_object()
    location = body.get("location")
    if not isinstance(location, str):
        raise bad_request("missing field `location`")
    name, checksum = r.params["name"], body.get("checksum")
    snapshot_fault(s)

    async def work() -> bool:
        path, temporary = await snapshots.fetch(s.store, location)
        try:
            await snapshots.recover(s.store, name, path, checksum)
        finally:
            if temporary:
                path.unlink(missing_ok=True)
        return True

    return await accept_or_wait(s, r, work)


async def upload_shard(s: State, r: Request, data: bytes) -> Response:
    """``POST .../shards/0/snapshots/upload`` with the file part already taken out of the body."""
    _shard_root(s, r)
    snapshot_fault(s)
    path = snapshots.staging_dir(s.store) / f"upload-{uuid.uuid4().hex}.snapshot"
    await asyncio.to_thread(path.write_bytes, data)
    name, checksum = r.params["name"], r.query.get("checksum")

    async def work() -> bool:
        try:
            await snapshots.recover(s.store, name, path, checksum)
        finally:
            path.unlink(missing_ok=True)
        return True

    return await accept_or_wait(s, r, work)
