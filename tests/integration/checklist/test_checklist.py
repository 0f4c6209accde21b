"""The real checklist against the sandbox: GO when healthy, NO-GO naming exactly the broken items."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from support.waivers import LOAD_GATE_IDS, UNCLAIMED_IDS, load_waivers, unclaimed_waivers

from golive.sandbox.testing import SandboxHandle, running_sandbox

from .conftest import SCALE, backup_sections, config_for, run_checklist

pytestmark = pytest.mark.integration


def test_healthy_sandbox_is_go(clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path) -> None:
    # with the session sandbox's backups (no hosts: the host and backup-location items are not collected)
    waivers = load_waivers() + unclaimed_waivers()
    config = config_for(clean_sandbox.url, waivers=waivers, **backup_sections(sandbox_dir, host=False))
    run = run_checklist(tmp_path, config)
    assert run.code == 0, run.output[-3000:]
    assert run.verdict == "GO"
    assert run.failed == set()
    not_run = {c["label"] for c in run.summary["checks"] if c["outcome"] == "skipped" and c["severity"] == "blocker"}
    assert not_run == set(), "a GO with a blocker not run would be a silent GO"
    assert {c["id"] for c in run.summary["checks"] if c["outcome"] == "waived"} == {*LOAD_GATE_IDS, *UNCLAIMED_IDS}
    assert run.summary["target"]["sandbox"], "the summary must say the target was the sandbox"
    assert "the golive sandbox" in run.output
    lines = run.output.rstrip().splitlines()
    last_verdict = max(i for i, line in enumerate(lines) if line.startswith("VERDICT: "))
    assert lines[last_verdict] == "VERDICT: GO"
    assert last_verdict >= len(lines) - 2, lines[-5:]
    ids = {c["id"] for c in run.summary["checks"]}
    assert {"GL-HEALTH-001", "GL-HEALTH-002", "GL-HEALTH-003", "GL-HEALTH-004"} <= ids
    assert run.labels("passed") >= {f"GL-COL-00{i}[documents]" for i in range(1, 7)}


def test_not_ready_fails_only_readyz(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    clean_sandbox.set_faults(not_ready=True)
    run = run_checklist(tmp_path, config_for(clean_sandbox.url))
    assert (run.code, run.verdict) == (1, "NO-GO")
    assert run.failed == {"GL-HEALTH-003"}
    assert "some shards are not ready" in run.check("GL-HEALTH-003")["message"]


@pytest.mark.parametrize(
    ("fault", "label", "text"),
    [
        ({"status": "yellow"}, "GL-COL-003[faq]", "is yellow; expected green"),
        ({"status": "red"}, "GL-COL-003[faq]", "is red; expected green"),
        ({"optimizer_error": "disk full"}, "GL-COL-004[faq]", "disk full"),
    ],
)
def test_degraded_collection_fails_its_own_item(
    clean_sandbox: SandboxHandle, tmp_path: Path, fault: dict[str, str], label: str, text: str
) -> None:
    clean_sandbox.set_faults(collections={"faq": fault})
    run = run_checklist(tmp_path, config_for(clean_sandbox.url))
    assert (run.code, run.verdict) == (1, "NO-GO")
    assert run.failed == {label}
    assert text in run.check(label)["message"]


def test_vector_size_drift_fails_drift_item(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    config = config_for(clean_sandbox.url)
    faq = next(c for c in config["collections"] if c["name"] == "faq")
    faq["vector_size"] = 1536
    run = run_checklist(tmp_path, config)
    assert run.failed == {"GL-COL-002[faq]"}
    assert "size 384" in run.check("GL-COL-002[faq]")["message"]
    assert "expected size 1536" in run.check("GL-COL-002[faq]")["message"]


def test_too_few_points_and_wrong_version(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    config = config_for(clean_sandbox.url, thresholds={"version": ">=99"})
    docs = next(c for c in config["collections"] if c["name"] == "documents")
    docs["min_points"] = docs["min_points"] + 1
    run = run_checklist(tmp_path, config)
    assert run.failed == {"GL-COL-005[documents]", "GL-HEALTH-004"}
    assert f"expected at least {docs['min_points']}" in run.check("GL-COL-005[documents]")["message"]
    assert "'>=99'" in run.check("GL-HEALTH-004")["message"]


def test_missing_collection_fails_existence_only(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    config = config_for(clean_sandbox.url)
    config["collections"].append({"name": "invoices", "vector_size": 384, "distance": "Cosine", "min_points": 1})
    run = run_checklist(tmp_path, config)
    assert (run.code, run.verdict) == (1, "NO-GO")
    assert run.failed == {"GL-COL-001[invoices]"}
    skipped = run.labels("skipped")
    assert {f"GL-COL-00{i}[invoices]" for i in range(2, 7)} <= skipped


def test_unindexed_collection_fails_indexing_item(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Vectors above the indexing threshold with the optimizer switched off (Qdrant: max_optimization_threads 0)."""
    name, size, count = "golive_test_unindexed", 64, 400
    http = httpx.Client(base_url=clean_sandbox.url, timeout=30)
    body = {
        "vectors": {"size": size, "distance": "Cosine"},
        "optimizers_config": {"indexing_threshold": 1, "max_optimization_threads": 0},
    }
    assert http.put(f"/collections/{name}", json=body).status_code == 200
    try:
        points = [{"id": i, "vector": [((i * 7 + j) % 13) / 13.0 + 0.01 for j in range(size)]} for i in range(count)]
        assert http.put(f"/collections/{name}/points?wait=true", json={"points": points}).status_code == 200
        assert http.get(f"/collections/{name}").json()["result"]["indexed_vectors_count"] == 0
        # snapshotted as the sandbox's backup job would (GL-BAK-002 passes whether or not the job's own
        # once-a-minute check has reached this new collection yet): only the indexing item may fail
        assert http.post(f"/collections/{name}/snapshots?wait=true").status_code == 200
        config = config_for(clean_sandbox.url)
        config["collections"] = [{"name": name, "vector_size": size, "distance": "Cosine", "min_points": count}]
        run = run_checklist(tmp_path, config)
        assert run.failed == {f"GL-COL-006[{name}]"}
        assert "not indexed" in run.check(f"GL-COL-006[{name}]")["message"]
        assert "not fully indexed" in run.check(f"GL-QUAL-001[{name}]")["message"]
    finally:
        http.delete(f"/collections/{name}")
        http.close()


def test_unreachable_target_fails_fast_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_checklist(tmp_path, config_for("http://127.0.0.1:1"))
    assert time.monotonic() - started < 30
    assert (run.code, run.verdict) == (1, "NO-GO")
    ran = [c for c in run.summary["checks"] if c["outcome"] != "skipped"]  # load gates skip: full_load off
    assert len(ran) >= 58
    assert {c["outcome"] for c in ran} <= {"failed", "error"}
    (message,) = {c["message"] for c in ran}  # one line, the same for every item, naming the deciding call
    assert message.startswith("connection refused to http://127.0.0.1:1 (decided by GET /;")
    assert "Traceback" not in run.output
    assert "httpx.ConnectError" not in run.output


def test_hanging_target_fails_within_the_timeout(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    clean_sandbox.set_faults(hang=True)
    started = time.monotonic()
    run = run_checklist(tmp_path, config_for(clean_sandbox.url))
    assert time.monotonic() - started < 30
    assert run.verdict == "NO-GO"
    assert all("no answer to GET / " in c["message"] for c in run.summary["checks"] if c["outcome"] != "skipped")


def test_one_slow_endpoint_fails_only_the_items_that_use_it(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Issue 9.1: 3 s latency on the query endpoint (timeout 2 s) must not condemn health and collections."""
    clean_sandbox.set_faults(latency_ms=3000, paths=["/collections/documents/points/query"])
    run = run_checklist(tmp_path, config_for(clean_sandbox.url))
    assert run.failed, "the slow endpoint's items should fail"
    # the latency items, and the recall item of that collection (it queries it: /points/query/batch)
    assert all(label.startswith("GL-PERF-") or label == "GL-QUAL-001[documents]" for label in run.failed), run.failed
    for label in run.failed:
        assert "POST /collections/documents/points/query" in run.check(label)["message"]
    assert {"GL-HEALTH-001", "GL-HEALTH-002", "GL-QUAL-001[faq]"} <= run.labels("passed")


@pytest.mark.parametrize(("path", "label"), [("/healthz", "GL-HEALTH-001"), ("/livez", "GL-HEALTH-002")])
def test_failing_probe_endpoint_fails_its_own_item(
    clean_sandbox: SandboxHandle, tmp_path: Path, path: str, label: str
) -> None:
    clean_sandbox.set_faults(error_rate=1.0, paths=[path])
    run = run_checklist(tmp_path, config_for(clean_sandbox.url))
    assert (run.code, run.verdict) == (1, "NO-GO")
    assert run.failed == {label}
    assert f"GET {path} -> HTTP 500" in run.check(label)["message"]


def test_stale_probe_collections_are_swept_and_fresh_ones_kept(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    from golive.fields import new_run_id

    stale, fresh = "golive_probe_20200101T000000Z-abcdef_load", f"golive_probe_{new_run_id()}_load"
    http = httpx.Client(base_url=clean_sandbox.url, timeout=30)
    try:
        for name in (stale, fresh):
            body = {"vectors": {"size": 4, "distance": "Cosine"}}
            assert http.put(f"/collections/{name}", json=body).status_code == 200
        run = run_checklist(tmp_path, config_for(clean_sandbox.url), "-m", "golive and not load and not benchmark")
        assert run.summary["target"]["swept_probe_collections"] == [stale]
        assert f"swept stale probe collections: {stale}" in run.output
        assert http.get(f"/collections/{stale}/exists").json()["result"]["exists"] is False
        assert http.get(f"/collections/{fresh}/exists").json()["result"]["exists"] is True
    finally:
        for name in (stale, fresh):
            http.delete(f"/collections/{name}")
        http.close()


def test_a_wrong_api_key_is_one_line_at_the_top_and_short_failures(tmp_path: Path) -> None:
    """Issue 9.9: a wrong key once gave 54 failed blockers with 58 full tracebacks (2,158 lines)."""
    with running_sandbox(tmp_path / "keyed", demo=True, demo_scale=SCALE, api_key="the-right-key-0123456789") as sb:
        run = run_checklist(tmp_path, config_for(sb.url), environ={"QDRANT_API_KEY": "a-wrong-key-0123456789"})
    refused = "the target refused the API key from QDRANT_API_KEY: HTTP 401"
    assert run.verdict == "NO-GO"
    assert f"golive: {refused}" in run.output
    assert run.summary["target"]["notices"] == [refused]
    assert not any("sweep failed" in s for s in run.summary["target"]["swept_probe_collections"])
    assert "Traceback" not in run.output
    assert "Invalid API key" not in run.output
    assert run.failed
    assert all(run.check(label)["message"] == refused for label in run.failed), {
        label: run.check(label)["message"][:200] for label in run.failed
    }
