"""Service endpoints: root, health, metrics, telemetry, cluster, issues, snapshots and faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import re
import uuid
from typing import Any

import qdrant_edge as qe

from golive.sandbox import QDRANT_COMMIT, QDRANT_VERSION, backups, snapshots, storage_snapshots
from golive.sandbox.faults import FaultError
from golive.sandbox.metrics import Snapshot, render
from golive.sandbox.protocol import (
    ApiError,
    Request,
    Response,
    bad_request,
    ok,
    raw_json,
    text,
)
from golive.sandbox.state import State

PEER_ID = 1
SNAPSHOT_TYPE = b"application/octet-stream"


async def root(s: State, r: Request) -> Response:
    return raw_json({"title": "qdrant - vector search engine", "version": QDRANT_VERSION, "commit": QDRANT_COMMIT})


async def healthz(s: State, r: Request) -> Response:
    return text(200, "healthz check passed")


async def readyz(s: State, r: Request) -> Response:
    if s.ready():
        return text(200, "all shards are ready")
    return text(503, "some shards are not ready")


async def metrics(s: State, r: Request) -> Response:
    rows = []
    for name in s.store.names():
        points = s.store.collections[name].info().points_count
        rows.append((name, points, points))
    body = render(Snapshot(QDRANT_VERSION, rows, s.stats, per_collection=r.flag("per_collection", False)))
    return Response(200, body.encode(), b"text/plain; version=0.0.4")


async def issues(s: State, r: Request) -> Response:
    """Qdrant's issue records (``code``, ``description``, ``solution``, ``timestamp``) for the injected issues."""
    records = []
    for issue in s.faults.state["issues"]:
        since = s.issues_since.get(issue["id"]) or s.started_at
        records.append(
            {
                "code": issue["id"],
                "description": issue["description"],
                "solution": {"Refactor": issue["solution"]} if issue["solution"] else "None",
                "timestamp": since.isoformat().replace("+00:00", "Z"),
            }
        )
    return ok({"issues": records}, started=r.started)


def _note_issues(s: State) -> None:
    """When each injected issue first appeared (Qdrant's ``timestamp``); forget the ones no longer listed."""
    codes = {issue["id"] for issue in s.faults.state["issues"]}
    now = dt.datetime.now(dt.UTC)
    s.issues_since = {code: s.issues_since.get(code, now) for code in codes}


async def clear_issues(s: State, r: Request) -> Response:
    """``DELETE /issues``: Qdrant forgets the issues reported so far; here, the injected ones."""
    s.faults.state["issues"] = []
    _note_issues(s)
    return ok(True, started=r.started)


def _iso_now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


_SEND_FAILURES = itertools.count(1)


async def cluster(s: State, r: Request) -> Response:
    fault = s.faults.state["cluster"]
    if fault is None:
        return ok({"status": "disabled"}, started=r.started)
    peers = {str(i): {"uri": f"http://sandbox-peer-{i}:6335/"} for i in range(1, fault["peers"] + 1)}
    dead = list(range(fault["peers"] - fault["dead_peers"] + 1, fault["peers"] + 1))
    failures = next(_SEND_FAILURES)
    result = {
        "status": "enabled",
        "peer_id": PEER_ID,
        "peers": peers,
        "raft_info": {
            "term": 1,
            "commit": 1,
            "pending_operations": 0,
            "leader": PEER_ID,
            "role": "Leader",
            "is_voter": True,
        },
        "consensus_thread_status": {"consensus_thread_status": "working", "last_update": _iso_now()},
        "message_send_failures": {
            f"http://sandbox-peer-{i}:6335/": {
                "count": failures,  # grows with every read, as a dead peer's failures do
                "latest_error": "connection refused",
                "latest_error_timestamp": _iso_now(),
            }
            for i in dead
        },
    }
    return ok(result, started=r.started)


async def collection_cluster(s: State, r: Request) -> Response:
    c = s.store.get(r.params["name"])
    points = c.info().points_count
    fault = s.faults.state["cluster"]
    state = fault["shard_state"] if fault else "Active"
    remote = []
    if fault:
        alive = fault["peers"] - fault["dead_peers"]
        remote = [
            {"shard_id": 0, "peer_id": i, "state": "Active" if i <= alive else "Dead"}
            for i in range(2, fault["peers"] + 1)
        ]
    result = {
        "peer_id": PEER_ID,
        "shard_count": 1,
        "local_shards": [{"shard_id": 0, "points_count": points, "state": state}],
        "remote_shards": remote,
        "shard_transfers": [],
    }
    return ok(result, started=r.started)


def _snapshot_fault(s: State) -> None:
    if s.faults.state["snapshot_failure"]:
        raise ApiError(500, "Service internal error: injected snapshot failure (golive sandbox fault)")


def _reported(s: State, described: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's description, with a wrong checksum under the ``snapshot_checksum_wrong`` fault."""
    if s.faults.state["snapshot_checksum_wrong"] and described.get("checksum"):
        described["checksum"] = hashlib.sha256(described["checksum"].encode()).hexdigest()
    return described


async def _damage_restore(s: State, name: str) -> None:
    """The ``restore_damage`` fault: the restored collection loses a point, has one payload changed, or (with
    sparse vectors) one point loses its sparse vectors."""
    damage = s.faults.state["restore_damage"]
    if damage is None:
        return
    c = s.store.get(name)
    records, _ = c.shard.scroll(qe.ScrollRequest(limit=1, with_payload=False, with_vector=False))
    if not records:
        return
    ids = [records[0].id]
    if damage == "lose_points":
        await c.update(qe.UpdateOperation.delete_points(ids), wait=True)
    elif damage == "drop_sparse":
        if c.space.sparse:
            await c.update(qe.UpdateOperation.delete_vectors(ids, sorted(c.space.sparse)), wait=True)
    else:
        await c.update(qe.UpdateOperation.set_payload(ids, {"golive_fault": "changed by restore"}, None), wait=True)


async def create_snapshot(s: State, r: Request) -> Response:
    c = s.store.get(r.params["name"])
    _snapshot_fault(s)

    async def work() -> dict[str, Any]:
        return _reported(s, await snapshots.create(s.store, c))

    return await storage_snapshots.accept_or_wait(s, r, work)


async def list_snapshots(s: State, r: Request) -> Response:
    s.store.get(r.params["name"])
    listed = [_reported(s, d) for d in snapshots.list_snapshots(s.store, r.params["name"])]
    return ok(listed, started=r.started)


async def download_snapshot(s: State, r: Request) -> Response:
    s.store.get(r.params["name"])
    path = snapshots.snapshot_path(s.store, r.params["name"], r.params["snapshot"])
    body = await asyncio.to_thread(path.read_bytes)
    return Response(200, body, SNAPSHOT_TYPE)


async def delete_snapshot(s: State, r: Request) -> Response:
    s.store.get(r.params["name"])
    snapshots.snapshot_path(s.store, r.params["name"], r.params["snapshot"])  # 404 before any 202

    async def work() -> bool:
        snapshots.delete(s.store, r.params["name"], r.params["snapshot"])
        return True

    return await storage_snapshots.accept_or_wait(s, r, work)


async def recover_snapshot(s: State, r: Request) -> Response:
    body = r.json_object()
    location = body.get("location")
    if not isinstance(location, str):
        raise bad_request("missing field `location`")
    _snapshot_fault(s)

    async def work() -> bool:
        path, temporary = await snapshots.fetch(s.store, location)
        try:
            await snapshots.recover(s.store, r.params["name"], path, body.get("checksum"))
        finally:
            if temporary:
                path.unlink(missing_ok=True)
        await _damage_restore(s, r.params["name"])
        return True

    return await storage_snapshots.accept_or_wait(s, r, work)


async def upload_snapshot(s: State, r: Request) -> Response:
    _snapshot_fault(s)
    data = _multipart_file(r)
    path = snapshots.staging_dir(s.store) / f"upload-{uuid.uuid4().hex}.snapshot"
    await asyncio.to_thread(path.write_bytes, data)

    async def work() -> bool:
        try:
            await snapshots.recover(s.store, r.params["name"], path, r.query.get("checksum"))
        finally:
            path.unlink(missing_ok=True)
        await _damage_restore(s, r.params["name"])
        return True

    return await storage_snapshots.accept_or_wait(s, r, work)


async def upload_shard_snapshot(s: State, r: Request) -> Response:
    return await storage_snapshots.upload_shard(s, r, _multipart_file(r))


def _multipart_file(r: Request) -> bytes:
    """The first file part of a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', r.headers.get("content-type", ""))
    if not match:
        raise bad_request("expected a multipart/form-data body with a `snapshot` file")
    boundary = b"--" + match.group(1).encode()
    for part in r.body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if (sep and b"filename=" in head) or b'name="snapshot"' in head:
            return content[:-2] if content.endswith(b"\r\n") else content
    raise bad_request("multipart body has no `snapshot` file part")


async def get_faults(s: State, r: Request) -> Response:
    return ok(s.faults.to_json(), started=r.started)


async def put_faults(s: State, r: Request) -> Response:
    try:
        s.faults.merge(r.json())
    except FaultError as exc:
        raise bad_request(str(exc)) from None
    _note_issues(s)
    await backups.apply_faults(s)
    return ok(s.faults.to_json(), started=r.started)


async def delete_faults(s: State, r: Request) -> Response:
    s.faults.clear()
    _note_issues(s)
    await backups.apply_faults(s)
    return ok(s.faults.to_json(), started=r.started)
