"""The data safety items (GL-DATA-*, GL-BAK-*, GL-QUAL-*) against the sandbox: each passes when healthy and fails
for its own reason under its own fault."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from support.runs import REPO, Run, clean_env

from golive.fields import new_run_id
from golive.probes.probe_collections import STALE_PROBE_AGE, probe_name
from golive.sandbox.testing import SandboxHandle
from golive.waiting import wait_until

from .conftest import backup_sections, config_for, run_checklist

pytestmark = pytest.mark.integration

ITEMS = "written_points or round_trip or recall_meets"
FRESH = "snapshot_is_fresh or files_are_fresh or newest_copy"


def run_items(tmp_path: Path, url: str, expr: str = ITEMS, **sections: object) -> Run:
    return run_checklist(tmp_path, config_for(url, **sections), "-k", expr)


def leftovers(url: str) -> list[str]:
    names = httpx.get(f"{url}/collections", timeout=10).json()["result"]["collections"]
    return [c["name"] for c in names if c["name"].startswith("golive_probe_")]


def test_data_safety_items_pass_on_a_healthy_sandbox(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    run = run_items(tmp_path, clean_sandbox.url)
    assert (run.code, run.verdict) == (0, "GO"), run.output[-3000:]
    assert run.labels("passed") >= {"GL-DATA-001", "GL-BAK-001", "GL-QUAL-001[documents]", "GL-QUAL-001[faq]"}
    evidence = {"write-read-probe.json", "snapshot-round-trip.json", "recall/documents.json"}
    assert evidence <= set(run.summary["evidence"])
    latest = tmp_path / "reports" / "env" / "latest"
    trip = json.loads((latest / "snapshot-round-trip.json").read_text())
    assert set(trip["timings_s"]) == {"create", "download", "restore"}
    assert trip["size"] > 0
    assert trip["reported_checksum"] == trip["downloaded_sha256"]
    assert leftovers(clean_sandbox.url) == []


def test_lost_writes_fail_the_write_read_probe(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    assert clean_sandbox.set_faults(drop_writes=True)["drop_writes"] is True
    run = run_items(tmp_path, clean_sandbox.url, "written_points")
    assert run.failed == {"GL-DATA-001"}
    message = run.check("GL-DATA-001")["message"]
    assert message.startswith("write/read probe in golive_probe_")
    assert "64 point(s) missing" in message
    assert "count is 0 after writing 64 points" in message
    assert leftovers(clean_sandbox.url) == []


def test_failing_writes_fail_the_write_read_probe(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    clean_sandbox.set_faults(error_rate=1.0, paths=["/collections/golive_probe_"])
    run = run_items(tmp_path, clean_sandbox.url, "written_points")
    assert run.failed == {"GL-DATA-001"}
    assert "answered HTTP 500" in run.check("GL-DATA-001")["message"]


def test_wrong_reported_checksum_fails_the_round_trip(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    assert clean_sandbox.set_faults(snapshot_checksum_wrong=True)["snapshot_checksum_wrong"] is True
    run = run_items(tmp_path, clean_sandbox.url, "round_trip")
    assert run.failed == {"GL-BAK-001"}
    message = run.check("GL-BAK-001")["message"]
    assert "downloaded sha256" in message
    assert "server reports checksum" in message
    assert leftovers(clean_sandbox.url) == []


@pytest.mark.parametrize(
    ("damage", "text"),
    [("lose_points", "restored collection counts 199 points"), ("change_payload", "payload is")],
)
def test_damaging_restore_fails_the_round_trip(
    clean_sandbox: SandboxHandle, tmp_path: Path, damage: str, text: str
) -> None:
    assert clean_sandbox.set_faults(restore_damage=damage)["restore_damage"] == damage
    run = run_items(tmp_path, clean_sandbox.url, "round_trip")
    assert run.failed == {"GL-BAK-001"}
    assert text in run.check("GL-BAK-001")["message"]
    assert leftovers(clean_sandbox.url) == []


def test_failing_snapshot_creation_fails_the_round_trip(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    clean_sandbox.set_faults(snapshot_failure=True)
    run = run_items(tmp_path, clean_sandbox.url, "round_trip")
    assert run.failed == {"GL-BAK-001"}
    assert "injected snapshot failure" in run.check("GL-BAK-001")["message"]
    assert leftovers(clean_sandbox.url) == []


def test_round_trip_is_skipped_unless_restore_is_allowed(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    allow = {"probe_writes": True, "snapshot_restore": False, "full_load": False}
    run = run_items(tmp_path, clean_sandbox.url, "round_trip", allow=allow)
    assert run.check("GL-BAK-001")["outcome"] == "skipped"
    assert "allow.snapshot_restore: false" in run.check("GL-BAK-001")["message"]


def test_degraded_search_fails_recall_for_that_collection_only(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    assert clean_sandbox.set_faults(search_recall={"faq": 0.6})["search_recall"] == {"faq": 0.6}
    run = run_items(tmp_path, clean_sandbox.url, "recall_meets")
    assert run.failed == {"GL-QUAL-001[faq]"}
    message = run.check("GL-QUAL-001[faq]")["message"]
    assert "recall@10 0.600 over 32 queries" in message
    assert "expected at least 0.95" in message
    assert "GL-QUAL-001[documents]" in run.labels("passed")


def test_backups_are_fresh_in_both_locations(clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path) -> None:
    run = run_items(tmp_path, clean_sandbox.url, FRESH, **backup_sections(sandbox_dir))
    assert (run.code, run.verdict) == (0, "GO"), run.output[-3000:]
    assert {"GL-BAK-002[documents]", "GL-BAK-002[audio_clips]"} <= run.labels("passed")
    for item in ("GL-BAK-003", "GL-BAK-004"):
        assert {f"{item}[documents-here]", f"{item}[audio_clips-here]"} <= run.labels("passed")


def test_backup_location_items_are_not_collected_without_a_host(
    clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path
) -> None:
    run = run_items(tmp_path, clean_sandbox.url, FRESH, **backup_sections(sandbox_dir, host=False))
    assert run.verdict == "GO", [(c["label"], c["message"]) for c in run.summary["checks"] if c["outcome"] != "passed"]
    assert {c["id"] for c in run.summary["checks"]} == {"GL-BAK-002"}


def test_stale_backups_fail_freshness_for_that_collection(
    clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path
) -> None:
    three_days = 3 * 86400
    assert clean_sandbox.set_faults(stale_backups={"faq": three_days})["stale_backups"] == {"faq": three_days}
    run = run_items(tmp_path, clean_sandbox.url, FRESH, **backup_sections(sandbox_dir))
    assert run.failed == {"GL-BAK-002[faq]", "GL-BAK-003[faq-here]"}
    assert "is 3.0 days old; expected younger than 26.0 h" in run.check("GL-BAK-002[faq]")["message"]
    message = run.check("GL-BAK-003[faq-here]")["message"]
    assert str(sandbox_dir / "secondary" / "faq") in message
    assert "3.0 days old" in message
    clean_sandbox.clear_faults()  # a round renews it at once
    (tmp_path / "after").mkdir()
    run = run_items(tmp_path / "after", clean_sandbox.url, FRESH, **backup_sections(sandbox_dir))
    assert run.failed == set()


def test_missing_copy_fails_the_second_location_item(
    clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path
) -> None:
    assert clean_sandbox.set_faults(missing_copies=["products"])["missing_copies"] == ["products"]
    run = run_items(tmp_path, clean_sandbox.url, FRESH, **backup_sections(sandbox_dir))
    assert run.failed == {"GL-BAK-003[products-here]", "GL-BAK-004[products-here]"}
    message = run.check("GL-BAK-004[products-here]")["message"]
    assert f"{sandbox_dir / 'secondary' / 'products'}/products-0-" in message
    assert "is missing" in message


def test_qdrant_issues_item_passes_and_keeps_telemetry(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    run = run_items(tmp_path, clean_sandbox.url, "reports_no_issues")
    assert run.labels("passed") == {"GL-HEALTH-005"}
    assert "telemetry.json" in run.summary["evidence"]
    telemetry = json.loads((tmp_path / "reports" / "env" / "latest" / "telemetry.json").read_text())
    assert telemetry["telemetry"]["app"]["name"] == "qdrant"


def test_listed_issue_fails_the_issues_item(clean_sandbox: SandboxHandle, tmp_path: Path) -> None:
    issue = {"id": "too_many_collections", "description": "There are 9 collections", "solution": "merge some"}
    clean_sandbox.set_faults(issues=[issue])
    run = run_items(tmp_path, clean_sandbox.url, "reports_no_issues")
    assert run.failed == {"GL-HEALTH-005"}
    message = run.check("GL-HEALTH-005")["message"]
    assert "/issues lists 1 issue(s): too_many_collections: There are 9 collections" in message


def test_run_killed_during_the_restore_is_swept_by_the_next(
    clean_sandbox: SandboxHandle, sandbox_dir: Path, tmp_path: Path
) -> None:
    """SIGKILL while the snapshot upload is in flight: the restore still lands on the server after the kill; the
    next run's sweep removes both probe collections (and any snapshot of theirs), nothing is staged."""
    old_run = new_run_id(dt.datetime.now(dt.UTC) - STALE_PROBE_AGE - dt.timedelta(minutes=5))
    source, restored = probe_name(old_run, "snapsrc"), probe_name(old_run, "snapdst")
    # 3 s on the snapshot's download and delete (so the test sees each phase) and on the upload (the restore)
    slow = [f"/collections/{source}/snapshots/", f"/collections/{restored}/snapshots/upload"]
    clean_sandbox.set_faults(latency_ms=3000, paths=slow)
    config = tmp_path / "env.yaml"
    patient = {"url": clean_sandbox.url, "grpc_port": None, "timeout": "10s"}  # outlasts the 3 s on each step
    config.write_text(yaml.safe_dump(config_for(clean_sandbox.url, target=patient)), encoding="utf-8")
    killed = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={config}", f"--golive-run-id={old_run}",
         f"--golive-reports={tmp_path / 'killed'}", "-p", "no:randomly", "-k", "round_trip", str(REPO / "checks")],
        cwd=REPO, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    http = httpx.Client(base_url=clean_sandbox.url, timeout=10)
    try:

        def snapshots() -> list[object] | None:
            listed = http.get(f"/collections/{source}/snapshots")
            return listed.json()["result"] if listed.status_code == 200 else None

        fast = {"interval": 0.05, "max_interval": 0.1}
        wait_until(lambda: snapshots(), timeout=60, describe=f"a snapshot of {source}", **fast)
        wait_until(lambda: snapshots() == [], timeout=30, describe="it downloaded and deleted: upload next", **fast)
        time.sleep(1.0)
        killed.kill()
        killed.wait(10)
        assert killed.returncode == -signal.SIGKILL
        wait_until(lambda: restored in leftovers(clean_sandbox.url), timeout=30, describe=f"{restored} restored")
        assert sorted(leftovers(clean_sandbox.url)) == sorted([source, restored])
        clean_sandbox.clear_faults()
        run = run_items(tmp_path, clean_sandbox.url, "round_trip")
        assert run.summary["target"]["swept_probe_collections"] == sorted([restored, source])
        assert run.labels("passed") == {"GL-BAK-001"}
        assert leftovers(clean_sandbox.url) == []
        assert list((sandbox_dir / "data" / ".staging").glob("*")) == []
    finally:
        if killed.poll() is None:
            killed.kill()
        for name in (source, restored):
            http.delete(f"/collections/{name}")
        http.close()
