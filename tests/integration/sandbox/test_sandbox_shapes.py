"""Qdrant's shapes and codes: telemetry, metrics per collection, collection info, facets, snapshots (collection,
full-storage, shard), snapshot locations and the standalone cluster endpoints. Every body goes through
qdrant-client's models, the judge of the shape."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient, models

from golive.sandbox.testing import SandboxHandle

pytestmark = pytest.mark.integration


def _error(response: httpx.Response) -> str:
    return str(response.json()["status"]["error"])


def _wait_for(predicate: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def coll(client: QdrantClient) -> Iterator[str]:
    name = f"shape_{uuid.uuid4().hex[:8]}"
    client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT))
    client.upsert(name, points=[models.PointStruct(id=i, vector=[float(i), 1.0, 0.0, 1.0], payload={"c": f"v{i % 3}"})
                                for i in range(1, 31)])  # fmt: skip
    yield name
    if client.collection_exists(name):
        client.delete_collection(name)


# --- snapshot locations --------------------------------------------------------------------------------------


def test_file_location_outside_the_snapshots_path_is_403_without_opening_it(
    http: httpx.Client, coll: str, sandbox_data: Path, tmp_path: Path
) -> None:
    passwd = http.put(f"/collections/{coll}/snapshots/recover", json={"location": "file:///etc/passwd"})
    assert passwd.status_code == 403
    allowed = (sandbox_data / "snapshots").resolve()
    assert _error(passwd) == f'Forbidden: Snapshot file path must be inside the snapshots directory "{allowed}"'
    # A FIFO blocks whoever opens it for reading: answered at once means it was never opened.
    fifo = tmp_path / "trap.snapshot"
    os.mkfifo(fifo)
    started = time.monotonic()
    trap = http.put(f"/collections/{coll}/snapshots/recover", json={"location": fifo.as_uri()}, timeout=10)
    assert trap.status_code == 403, trap.text
    assert time.monotonic() - started < 5
    # A symlink inside the snapshots path that points out of it is outside too (resolved, as Qdrant does).
    link = sandbox_data / "snapshots" / f"link-{uuid.uuid4().hex[:6]}.snapshot"
    link.symlink_to("/etc/passwd")
    try:
        via_link = http.put(f"/collections/{coll}/snapshots/recover", json={"location": link.as_uri()})
        assert via_link.status_code == 403, via_link.text
    finally:
        link.unlink()
    assert http.get(f"/collections/{coll}").json()["result"]["points_count"] == 30


@pytest.mark.parametrize(
    ("location", "status", "error"),
    [
        (
            "file://whatever.snapshot",
            400,
            "Bad request: Invalid snapshot URI, file path must be absolute or on localhost",
        ),
        ("file://./etc/passwd", 400, "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"),
        ("file:///whatever.snapshot", 400, 'Bad request: Snapshot file "/whatever.snapshot" does not exist'),
        ("file://localhost/whatever.snapshot", 400, 'Bad request: Snapshot file "/whatever.snapshot" does not exist'),
        (
            "ftp://127.0.0.1/x.snapshot",
            400,
            "Bad request: URL ftp://127.0.0.1/x.snapshot with scheme ftp is not supported",
        ),
    ],
)
def test_bad_file_locations_get_qdrants_codes(http: httpx.Client, location: str, status: int, error: str) -> None:
    response = http.put("/collections/somethingthatdoesnotexist/snapshots/recover", json={"location": location})
    assert (response.status_code, _error(response)) == (status, error)
    assert http.get("/collections/somethingthatdoesnotexist/exists").json()["result"]["exists"] is False


def test_wait_false_snapshot_calls_answer_202_and_happen(http: httpx.Client, client: QdrantClient, coll: str) -> None:
    created = http.post(f"/collections/{coll}/snapshots?wait=false")
    assert created.status_code == 202
    body = created.json()
    assert (body["result"], body["status"]) == (None, "accepted")
    _wait_for(lambda: len(client.list_snapshots(coll)) == 1, "the background snapshot")
    name = client.list_snapshots(coll)[0].name
    deleted = http.delete(f"/collections/{coll}/snapshots/{name}?wait=false")
    assert deleted.status_code == 202
    _wait_for(lambda: client.list_snapshots(coll) == [], "the background delete")
    assert http.delete(f"/collections/{coll}/snapshots/{name}?wait=false").status_code == 404
    assert http.post(f"/collections/{coll}/snapshots").status_code == 200  # wait defaults to true


# --- full-storage and shard snapshots ------------------------------------------------------------------------


def test_full_storage_snapshot_holds_every_collection(sandbox: SandboxHandle, coll: str) -> None:
    client = QdrantClient(url=sandbox.url, timeout=120)
    try:
        before = {s.name for s in client.list_full_snapshots()}
        snap = client.create_full_snapshot()
        assert snap is not None
        assert snap.name.startswith("full-snapshot-")
        assert snap.name not in before
        assert snap.name in {s.name for s in client.list_full_snapshots()}
        data = httpx.get(f"{sandbox.url}/snapshots/{snap.name}", timeout=60).content
        assert hashlib.sha256(data).hexdigest() == snap.checksum
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            config = json.loads(tar.extractfile("config.json").read())  # type: ignore[union-attr]
            names = set(tar.getnames())
        mapping = config["collections_mapping"]
        assert coll in mapping
        assert "faq" in mapping
        assert set(mapping.values()) <= names
        assert client.delete_full_snapshot(snap.name)
        assert snap.name not in {s.name for s in client.list_full_snapshots()}
        for bad in (snap.name, "..%2F..%2Fetc%2Fpasswd", "x.snapshot"):
            assert httpx.get(f"{sandbox.url}/snapshots/{bad}", timeout=10).status_code == 404
    finally:
        client.close()


def test_shard_snapshot_round_trip(client: QdrantClient, http: httpx.Client, coll: str, sandbox: SandboxHandle) -> None:
    snap = client.create_shard_snapshot(coll, 0)
    assert snap is not None
    assert [s.name for s in client.list_shard_snapshots(coll, 0)] == [snap.name]
    assert client.list_snapshots(coll) == []  # shard snapshots are listed apart
    data = http.get(f"/collections/{coll}/shards/0/snapshots/{snap.name}").content
    assert hashlib.sha256(data).hexdigest() == snap.checksum
    client.delete(coll, points_selector=models.PointIdsList(points=[1, 2, 3]))
    assert client.count(coll).count == 27
    url = f"{sandbox.url}/collections/{coll}/shards/0/snapshots/{snap.name}"
    assert client.recover_shard_snapshot(coll, 0, location=url, checksum=snap.checksum)
    assert client.count(coll).count == 30
    client.delete(coll, points_selector=models.PointIdsList(points=[4]))
    upload = http.post(
        f"/collections/{coll}/shards/0/snapshots/upload",
        files={"snapshot": (snap.name, data, "application/octet-stream")},
    )
    assert upload.status_code == 200, upload.text
    assert client.count(coll).count == 30
    assert client.delete_shard_snapshot(coll, 0, snap.name)
    assert client.list_shard_snapshots(coll, 0) == []
    for odd in ("²", "-1", "x"):  # Unicode digits too: a 400, never int()'s ValueError as a 500
        assert http.get(f"/collections/{coll}/shards/{odd}/snapshots").status_code == 400, odd
    other = http.get(f"/collections/{coll}/shards/1/snapshots")
    assert (other.status_code, _error(other)) == (404, "Not found: shard 1 not found")
    missing = http.get("/collections/nothing_here/shards/0/snapshots")
    assert (missing.status_code, _error(missing)) == (404, "Not found: Collection `nothing_here` doesn't exist!")


# --- cluster endpoints on a single node ----------------------------------------------------------------------


def test_cluster_recover_and_peer_removal_are_405_on_a_single_node(clean_faults: SandboxHandle) -> None:
    with httpx.Client(base_url=clean_faults.url, timeout=10) as http:
        for method, path in (("POST", "/cluster/recover"), ("DELETE", "/cluster/peer/2")):
            response = http.request(method, path)
            assert (response.status_code, _error(response)) == (405, "Qdrant is running in standalone mode")
            models.ErrorResponse.model_validate(response.json())
        clean_faults.set_faults(cluster={"peers": 3, "dead_peers": 1, "shard_state": "Active"})
        recovered = http.post("/cluster/recover")
        assert recovered.status_code == 200
        assert recovered.json()["result"] is True
        assert http.delete("/cluster/peer/²").status_code == 400
        removed = http.delete("/cluster/peer/3")
        assert (removed.status_code, _error(removed)) == (
            400,
            "Bad request: Cannot remove peer 3 as there are shards on it",
        )


# --- telemetry, metrics, collection info, facets -------------------------------------------------------------


def test_telemetry_counts_the_requests_it_served(http: httpx.Client, coll: str, sandbox: SandboxHandle) -> None:
    def count() -> int:
        raw = http.get("/telemetry", params={"per_collection": "true"}).json()["result"]
        per = models.TelemetryData.model_validate(raw).requests.rest.per_collection_responses  # type: ignore[union-attr]
        stats = (per or {}).get(coll, {}).get("POST /collections/{name}/points/count", {}).get("200")
        return stats.count if stats else 0

    before = count()
    for _ in range(7):
        assert http.post(f"/collections/{coll}/points/count", json={}).status_code == 200
    assert count() == before + 7
    raw = http.get("/telemetry").json()["result"]
    data = models.TelemetryData.model_validate(raw)
    assert data.requests is not None
    stats = data.requests.rest.responses["POST /collections/{name}/points/count"]["200"]
    assert stats.count >= 7
    assert stats.min_duration_micros is not None
    assert stats.min_duration_micros <= stats.avg_duration_micros <= stats.max_duration_micros  # type: ignore[operator]
    assert data.requests.grpc.responses == {}
    assert data.app is not None
    assert data.app.features is not None
    assert data.app.features.recovery_mode is False
    assert data.memory is None
    assert data.hardware is None
    assert data.quota is not None
    assert data.quota.config.enabled is False
    assert data.quota.exceeded.resident_memory is None


def test_telemetry_memory_is_the_processes_own(http: httpx.Client, sandbox: SandboxHandle) -> None:
    data = models.TelemetryData.model_validate(http.get("/telemetry?details_level=1").json()["result"])
    assert data.memory is not None
    assert data.hardware is not None
    status = dict(line.split(":", 1) for line in Path(f"/proc/{sandbox.pid}/status").read_text().splitlines())
    rss = int(status["VmRSS"].split()[0]) * 1024
    assert abs(data.memory.resident_bytes - rss) < max(0.2 * rss, 32 << 20)
    assert data.memory.retained_bytes == pytest.approx(int(status["VmSize"].split()[0]) * 1024, rel=0.2)
    assert data.hardware.collection_data == {}
    assert data.app is not None
    assert data.app.system is not None
    assert data.app.system.cores == os.cpu_count()
    assert data.collections.collections  # details_level 1 lists them


def test_metrics_per_collection_label(http: httpx.Client, coll: str) -> None:
    for _ in range(3):
        http.post(f"/collections/{coll}/points/query", json={"query": [1, 0, 0, 0]})
    text = http.get("/metrics", params={"per_collection": "true"}).text
    labels = f'collection="{coll}",method="POST",endpoint="/collections/{{name}}/points/query",status="200"'
    assert f"rest_responses_total{{{labels}}} 3" in text
    assert f"rest_responses_duration_seconds_count{{{labels}}} 3" in text
    requests = [line for line in text.splitlines() if line.startswith("rest_responses_total{")]
    assert requests
    assert all(line.startswith('rest_responses_total{collection="') for line in requests)
    plain = http.get("/metrics").text
    assert f'collection="{coll}"' not in plain
    http.post("/collections/never_there_at_all/points/query", json={"query": [1, 0, 0, 0]})  # 404
    assert "never_there_at_all" not in http.get("/metrics", params={"per_collection": "true"}).text


def test_collection_info_has_update_queue_and_index_info(client: QdrantClient, http: httpx.Client, coll: str) -> None:
    client.create_payload_index(coll, "c", models.PayloadSchemaType.KEYWORD, wait=True)
    info = models.CollectionInfo.model_validate(http.get(f"/collections/{coll}").json()["result"])
    assert info.update_queue is not None
    assert info.update_queue.length == 0
    assert info.payload_schema["c"].data_type == models.PayloadSchemaType.KEYWORD
    assert info.payload_schema["c"].params is None  # created from a plain type, as Qdrant shows it
    assert "params" not in http.get(f"/collections/{coll}").json()["result"]["payload_schema"]["c"]


def test_update_queue_counts_acknowledged_writes(http: httpx.Client, coll: str) -> None:
    """wait=false writes behind a snapshot (which holds the collection's write lock) wait in the queue."""
    _wait_for(lambda: http.get(f"/collections/{coll}").json()["result"]["status"] == "green", "the optimizer")
    assert http.post(f"/collections/{coll}/snapshots?wait=false").status_code == 202
    for i in range(3):
        point = {"id": 500 + i, "vector": [1.0, 0.0, 0.0, float(i)]}
        assert http.put(f"/collections/{coll}/points?wait=false", json={"points": [point]}).status_code == 200
    queued = models.CollectionInfo.model_validate(http.get(f"/collections/{coll}").json()["result"]).update_queue
    assert queued is not None
    assert queued.length == 3
    _wait_for(
        lambda: http.get(f"/collections/{coll}").json()["result"]["update_queue"]["length"] == 0, "an empty queue"
    )
    assert http.post(f"/collections/{coll}/points/count", json={}).json()["result"]["count"] == 33


def test_facet_counts_match_filtered_counts(client: QdrantClient, http: httpx.Client) -> None:
    response = client.facet("faq", "category", limit=20, exact=True)
    assert response.hits
    for hit in response.hits:
        expected = client.count(
            "faq",
            count_filter=models.Filter(
                must=[models.FieldCondition(key="category", match=models.MatchValue(value=hit.value))]
            ),
        ).count
        assert hit.count == expected, hit
    assert sum(h.count for h in response.hits) == client.count("faq").count
    assert len(client.facet("faq", "category", limit=2).hits) == 2
    unindexed = http.post("/collections/faq/facet", json={"key": "price"})
    assert unindexed.status_code == 400
    assert "No appropriate index for faceting" in _error(unindexed)
    zero = http.post("/collections/faq/facet", json={"key": "category", "limit": 0})
    assert zero.status_code == 422
    assert _error(zero).startswith("Validation error in JSON body: [limit")
    assert http.post("/collections/nothing_here/facet", json={"key": "x"}).status_code == 404
    for body in ({"key": "a["}, {"key": 3}, {"key": "category", "exact": "yes"}, {"key": "category", "nope": 1}):
        assert http.post("/collections/faq/facet", json=body).status_code == 400, body


def test_clearing_issues(clean_faults: SandboxHandle) -> None:
    issue = {"id": "too_many_collections", "description": "many", "solution": "fewer"}
    clean_faults.set_faults(issues=[issue])
    client = QdrantClient(url=clean_faults.url, timeout=10)
    try:
        report = client.http.beta_api.get_issues()
        assert isinstance(report, dict)
        (record,) = report["result"]["issues"]
        assert record["code"] == "too_many_collections"
        assert record["solution"] == {"Refactor": "fewer"}
        first = record["timestamp"]
        clean_faults.set_faults(latency_ms=0)  # another fault change keeps the issue's time
        assert client.http.beta_api.get_issues()["result"]["issues"][0]["timestamp"] == first  # type: ignore[index]
        assert client.http.beta_api.clear_issues().result is True
        assert client.http.beta_api.get_issues()["result"] == {"issues": []}  # type: ignore[index]
    finally:
        client.close()


def test_snapshot_failure_fault_covers_full_and_shard_snapshots(clean_faults: SandboxHandle, coll: str) -> None:
    clean_faults.set_faults(snapshot_failure=True)
    with httpx.Client(base_url=clean_faults.url, timeout=30) as http:
        for method, path in (("POST", "/snapshots"), ("POST", f"/collections/{coll}/shards/0/snapshots")):
            failed = http.request(method, path)
            assert failed.status_code == 500, (path, failed.text)
            assert "injected snapshot failure" in _error(failed)
        clean_faults.clear_faults()
        assert http.post(f"/collections/{coll}/shards/0/snapshots").status_code == 200
