"""The data safety probes' pure parts: the recall bound, the point comparison, snapshot clean-up, sandbox args."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.cli.run import backup_args
from golive.config import Settings
from golive.probes.integrity import differences, known_points, upsert_body
from golive.probes.probe_collections import delete_probe_snapshots, sweep_stale_probes
from golive.probes.recall import RecallObservation, bootstrap_bounds


def test_bootstrap_bounds_collapse_for_identical_queries_and_bracket_the_mean_otherwise() -> None:
    assert bootstrap_bounds([0.6] * 32, 0.95) == (0.6, 0.6)
    values = [1.0] * 28 + [0.5] * 4
    lower, upper = bootstrap_bounds(values, 0.95)
    mean = sum(values) / len(values)
    assert lower < mean < upper <= 1.0


def test_recall_fails_only_when_the_upper_bound_misses_the_goal() -> None:
    noisy = RecallObservation("docs", 10, tuple([1.0] * 30 + [0.3] * 2), upper=0.99, lower=0.9, confidence=0.95)
    assert noisy.recall < 0.96
    assert not noisy.misses(0.95)  # the mean is below the goal, but the bound says it may be sampling noise
    bad = RecallObservation("docs", 10, (0.6,) * 32, upper=0.6, lower=0.6, confidence=0.95)
    assert bad.misses(0.95)
    assert bad.describe() == "recall@10 0.600 over 32 queries (95% bounds 0.600..0.600)"


def test_differences_name_missing_points_changed_payloads_and_vectors() -> None:
    points = known_points(4)
    seen: dict[Any, dict[str, Any]] = {p.id: {"vector": list(p.vector), "payload": dict(p.payload)} for p in points}
    assert differences(points, seen) == []
    del seen[points[0].id]
    seen[points[1].id]["payload"]["n"] = 99
    seen[points[2].id]["vector"][0] += 0.01
    found = differences(points, seen)
    assert found[0] == f"1 point(s) missing (ids [{points[0].id}])"
    assert any(f"point {points[1].id} payload is" in line for line in found)
    assert any(f"point {points[2].id} vector differs by up to 0.01" in line for line in found)


class FakeServer:
    """Collections with snapshots behind the ``call(method, path, body)`` the probe helpers take."""

    def __init__(self, collections: dict[str, list[str]]) -> None:
        self.collections = collections
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.calls.append((method, path))
        parts = path.strip("/").split("/")
        if parts == ["collections"]:
            return 200, {"status": "ok", "result": {"collections": [{"name": n} for n in self.collections]}}
        name = parts[1]
        if name not in self.collections:
            return 404, {"status": {"error": "Not found"}}
        if method == "GET" and parts[2:] == ["snapshots"]:
            return 200, {"status": "ok", "result": [{"name": s} for s in self.collections[name]]}
        if method == "DELETE" and parts[2:3] == ["snapshots"]:
            self.collections[name].remove(parts[3])
            return 200, {"status": "ok", "result": True}
        if method == "DELETE" and len(parts) == 2:
            del self.collections[name]
            return 200, {"status": "ok", "result": True}
        raise AssertionError(f"unexpected call {method} {path}")


def test_the_sweep_removes_a_stale_probe_collections_snapshots_before_it() -> None:
    stale = "golive_probe_20200101T000000Z-abcdef_snapsrc"
    server = FakeServer({"documents": ["documents-0.snapshot"], stale: ["snapsrc-0.snapshot"]})
    assert sweep_stale_probes(server) == [stale]
    assert server.collections == {"documents": ["documents-0.snapshot"]}
    deleted = [path for method, path in server.calls if method == "DELETE"]
    assert deleted == [f"/collections/{stale}/snapshots/snapsrc-0.snapshot", f"/collections/{stale}"]


def test_snapshots_of_other_collections_are_never_deleted() -> None:
    server = FakeServer({"documents": ["documents-0.snapshot"]})
    with pytest.raises(ValueError, match="refusing to delete snapshots of 'documents'"):
        delete_probe_snapshots(server, "documents")
    assert server.calls == []


def test_golive_run_starts_the_sandbox_with_the_configured_backups() -> None:
    settings = Settings(env="t", backups={"locations": [Path("a/snapshots"), Path("b")], "max_age": "26h"})
    assert backup_args(settings) == ["--backup-every", "46800", "--backup-copy", "b"]
    assert backup_args(Settings(env="t")) == []


def test_bad_data_safety_settings_name_their_field(tmp_path: Path) -> None:
    from golive.config import ConfigError, load_settings

    path = tmp_path / "bad.yaml"
    path.write_text("recall: {sample: 2, noise: 3}\nbackups: {max_age: soon, pairing: by_date}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    problems = dict(info.value.problems)
    assert set(problems) == {"recall.sample", "recall.noise", "backups.max_age", "backups.pairing"}
    assert "greater than or equal to 5" in problems["recall.sample"]


def test_hybrid_points_carry_a_sparse_vector_and_its_changes_are_named() -> None:
    points = known_points(3, sparse=True)
    assert points == known_points(3, sparse=True)
    body = upsert_body(points)["points"][0]
    assert set(body["vector"]) == {"dense", "text"}
    assert 10_000 in body["vector"]["text"]["indices"]  # a term of the point's own
    seen = {p.id: {"payload": p.payload, "vector": {"dense": p.vector, "text": p.sparse}} for p in points}
    assert differences(points, seen) == []
    reordered = dict(seen)
    first = points[0]
    assert first.sparse is not None
    flipped = {"indices": first.sparse["indices"][::-1], "values": first.sparse["values"][::-1]}
    reordered[first.id] = {"payload": first.payload, "vector": {"dense": first.vector, "text": flipped}}
    assert differences(points, reordered) == []  # the same pairs in another order are the same vector
    changed = dict(seen)
    changed[first.id] = {"payload": first.payload, "vector": {"dense": first.vector}}
    [problem] = differences(points, changed)
    assert problem.startswith(f"point {first.id} sparse vector 'text' is None, wrote ")
