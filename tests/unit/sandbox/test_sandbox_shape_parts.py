"""Qdrant's shapes built from what the sandbox measures: telemetry statistics, memory, index params, the
file:// snapshot rules and the update queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import qdrant_edge as qe
from qdrant_client.http import models

from golive.sandbox.engine import Collection, Store
from golive.sandbox.facets import schema_params
from golive.sandbox.metrics import RequestStats
from golive.sandbox.protocol import ApiError
from golive.sandbox.snapshots import local_snapshot
from golive.sandbox.telemetry import memory_telemetry, rest_telemetry


def test_rest_telemetry_is_qdrants_web_api_shape() -> None:
    stats = RequestStats()
    stats.observe("GET", "/collections/{name}", 200, 0.001, "docs")
    stats.observe("GET", "/collections/{name}", 200, 0.003, "docs")
    stats.observe("GET", "/collections/{name}", 404, 0.0005, "nope")
    rest = models.WebApiTelemetry.model_validate(rest_telemetry(stats, per_collection=True))
    ok = rest.responses["GET /collections/{name}"]["200"]
    assert (ok.count, ok.fail_count) == (2, 0)
    assert ok.avg_duration_micros == pytest.approx(2000.0)
    assert ok.min_duration_micros == pytest.approx(1000.0)
    assert ok.max_duration_micros == pytest.approx(3000.0)
    assert ok.total_duration_micros == 4000
    assert ok.last_responded is not None
    assert rest.responses["GET /collections/{name}"]["404"].fail_count == 1
    assert rest.per_collection_responses is not None
    assert set(rest.per_collection_responses) == {"docs", "nope"}
    assert "per_collection_responses" not in rest_telemetry(stats, per_collection=False)


def test_memory_comes_from_proc_status() -> None:
    memory = memory_telemetry()
    assert memory is not None
    parsed = models.MemoryTelemetry.model_validate(memory)
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    rss = int(status["VmRSS"].split()[0]) * 1024
    assert abs(parsed.resident_bytes - rss) < 64 << 20
    assert parsed.retained_bytes >= parsed.resident_bytes > 0


def test_index_params_as_qdrant_shows_them() -> None:
    assert schema_params(None) is None
    assert schema_params(qe.KeywordIndexParams(is_tenant=True)) == {"type": "keyword", "is_tenant": True}
    text = schema_params(qe.TextIndexParams(tokenizer=qe.TokenizerType.Prefix, lowercase=True))
    assert text == {"type": "text", "tokenizer": "prefix", "lowercase": True}
    models.PayloadIndexInfo.model_validate({"data_type": "text", "params": text, "points": 3})


def test_file_locations_follow_qdrants_rules(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    inside = tmp_path / "data" / "snapshots" / "c" / "x.snapshot"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"x")
    assert local_snapshot(store, "", str(inside)) == inside.resolve()
    assert local_snapshot(store, "localhost", str(inside)) == inside.resolve()
    outside = tmp_path / "elsewhere.snapshot"
    outside.write_bytes(b"x")
    loop = inside.parent / "loop.snapshot"
    loop.symlink_to(loop)  # exists() is False for a link to itself: "does not exist", as for a missing file
    cases = [
        (
            ("whatever.snapshot", "/x"),
            400,
            "Bad request: Invalid snapshot URI, file path must be absolute or on localhost",
        ),
        (("", "relative/x"), 400, "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"),
        (("", "/no/such.snapshot"), 400, 'Bad request: Snapshot file "/no/such.snapshot" does not exist'),
        (("", str(outside)), 403, "Forbidden: Snapshot file path must be inside the snapshots directory"),
        (("", str(inside.parent / ".." / ".." / ".." / "elsewhere.snapshot")), 403, "Forbidden: Snapshot file path"),
        (("", "/x\x00y"), 400, 'Bad request: Snapshot file "/x'),
        (("", str(loop)), 400, "Bad request: Snapshot file"),
    ]
    for (host, path), status, text in cases:
        with pytest.raises(ApiError) as caught:
            local_snapshot(store, host, path)
        assert caught.value.status == status, (host, path)
        assert caught.value.message.startswith(text), caught.value.message


def test_update_queue_counts_writes_not_the_optimizer() -> None:
    async def scenario() -> tuple[int, int]:
        collection = Collection("c", Path("."), shard=None, config={})  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        tasks = [loop.create_future() for _ in range(3)]  # stand-ins for pending write tasks
        collection._tasks.update(tasks)  # type: ignore[arg-type]
        three = collection.queued_writes()
        collection.optimize_pending = True  # one of them is the debounced optimizer
        two = collection.queued_writes()
        for task in tasks:
            task.cancel()
        return three, two

    assert asyncio.run(scenario()) == (3, 2)
