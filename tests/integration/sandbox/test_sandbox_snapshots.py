"""Snapshot create / list / download / delete / recover / upload: a restore gives back exactly the points."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient, models

from golive.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.integration


def _points(client: QdrantClient, name: str) -> dict[int | str, tuple[object, object]]:
    records, _ = client.scroll(name, limit=1000, with_vectors=True)
    return {r.id: (r.payload, r.vector) for r in records}


def _error(response: httpx.Response) -> str:
    return str(response.json()["status"]["error"])


@pytest.fixture
def coll(client: QdrantClient) -> Iterator[str]:
    name = f"snap_{uuid.uuid4().hex[:8]}"
    client.create_collection(name, vectors_config=models.VectorParams(size=8, distance=models.Distance.EUCLID))
    client.upsert(name, points=[models.PointStruct(id=i, vector=[float(i + j) for j in range(8)], payload={"i": i})
                                for i in range(50)])  # fmt: skip
    yield name
    if client.collection_exists(name):
        client.delete_collection(name)


def test_round_trip_restores_exactly_the_snapshotted_points(
    client: QdrantClient, http: httpx.Client, coll: str, sandbox_data: Path
) -> None:
    before = _points(client, coll)
    snap = client.create_snapshot(coll)
    assert snap is not None
    assert snap.checksum is not None
    assert snap.size > 0
    assert snap.name in {s.name for s in client.list_snapshots(coll)}
    download = http.get(f"/collections/{coll}/snapshots/{snap.name}")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == snap.checksum
    # modify: delete some, change some, add some
    client.delete(coll, points_selector=models.PointIdsList(points=[0, 1, 2]))
    client.upsert(coll, points=[models.PointStruct(id=10, vector=[0.0] * 8, payload={"i": -1}),
                                models.PointStruct(id=999, vector=[1.0] * 8)])  # fmt: skip
    assert _points(client, coll) != before
    saved = sandbox_data / "snapshots" / "restore-from-here" / snap.name  # file:// only inside the snapshots path
    saved.parent.mkdir(exist_ok=True)
    saved.write_bytes(download.content)
    assert client.recover_snapshot(coll, location=saved.as_uri(), checksum=snap.checksum)
    assert _points(client, coll) == before
    assert client.get_collection(coll).points_count == 50


def test_recover_from_loopback_url_and_upload_create_missing_collections(
    client: QdrantClient, http: httpx.Client, coll: str, sandbox: SandboxHandle
) -> None:
    before = _points(client, coll)
    snap = client.create_snapshot(coll)
    assert snap is not None
    copy_name = f"{coll}_copy"
    url = f"{sandbox.url}/collections/{coll}/snapshots/{snap.name}"
    response = http.put(f"/collections/{copy_name}/snapshots/recover?wait=true", json={"location": url})
    assert response.status_code == 200, response.text
    assert _points(client, copy_name) == before
    client.delete_collection(copy_name)
    data = http.get(f"/collections/{coll}/snapshots/{snap.name}").content
    upload = http.post(
        f"/collections/{copy_name}/snapshots/upload?wait=true&priority=snapshot",
        files={"snapshot": (snap.name, data, "application/octet-stream")},
    )
    assert upload.status_code == 200, upload.text
    assert _points(client, copy_name) == before
    client.delete_collection(copy_name)


def test_checksum_mismatch_and_bad_locations_are_rejected(
    http: httpx.Client, client: QdrantClient, coll: str, sandbox: SandboxHandle
) -> None:
    snap = client.create_snapshot(coll)
    assert snap is not None
    url = f"{sandbox.url}/collections/{coll}/snapshots/{snap.name}"
    wrong = http.put(f"/collections/{coll}/snapshots/recover", json={"location": url, "checksum": "0" * 64})
    assert wrong.status_code == 400, wrong.text
    assert "Checksum mismatch" in wrong.text
    remote = http.put(f"/collections/{coll}/snapshots/recover", json={"location": "http://example.com/x.snapshot"})
    assert remote.status_code == 400
    missing = http.put(f"/collections/{coll}/snapshots/recover", json={"location": "file:///nonexistent.snapshot"})
    assert (missing.status_code, _error(missing)) == (
        400,
        'Bad request: Snapshot file "/nonexistent.snapshot" does not exist',
    )
    for location in ("http://127.0.0.1:99999/x", "http://127.0.0.1:1/x.snapshot", "ftp://127.0.0.1/x", 42):
        response = http.put(f"/collections/{coll}/snapshots/recover", json={"location": location})
        assert response.status_code == 400, (location, response.text)
    assert http.get(f"/collections/{coll}/snapshots/../../x").status_code == 404
    assert client.get_collection(coll).points_count == 50


def test_delete_snapshot(client: QdrantClient, http: httpx.Client, coll: str) -> None:
    snap = client.create_snapshot(coll)
    assert snap is not None
    assert client.delete_snapshot(coll, snap.name)
    assert snap.name not in {s.name for s in client.list_snapshots(coll)}
    assert http.get(f"/collections/{coll}/snapshots/{snap.name}").status_code == 404
