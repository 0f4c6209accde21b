"""`golive release` end to end against a running sandbox: released, rolled back, hook timeout, rollback failed,
the lock (refusal and a stale lock after kill -9). Hooks change the sandbox through its fault API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.runs import REPO, clean_env

from golive.release.lock import pid_alive
from golive.sandbox.testing import SandboxHandle
from golive.waiting import wait_until

from .conftest import (
    CLEAR_FAULTS,
    NO_LOAD,
    PY,
    PYTEST_ARGS,
    audit,
    explain,
    golive,
    release_config,
    release_record,
    set_faults,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _steps(reports: Path) -> dict[str, str]:
    return {s["name"]: s["outcome"] for s in release_record(reports)["steps"]}


def test_a_good_deploy_is_released_with_a_verified_checkpoint_and_audit(tmp_path: Path, sandbox: SandboxHandle) -> None:
    hooks = {"deploy": {"command": "echo deploying $GOLIVE_RUN_ID to $GOLIVE_ENV at $GOLIVE_TARGET_URL; "
                                   "test -s \"$GOLIVE_CHECKPOINT_MANIFEST\" && echo manifest ok", "timeout": "20s"},
             "rollback": {"command": "echo rollback", "timeout": "20s"}, "checkpoint": True}  # fmt: skip
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    proc = golive("release", "--config", str(config), *PYTEST_ARGS, reports=reports)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-2000:] + explain(reports)
    assert "RELEASED (exit 0)" in out
    record = release_record(reports)
    assert _steps(reports) == {"preflight": "ok", "checkpoint": "ok", "deploy": "ok", "wait_healthy": "ok",
                               "validate": "ok"}  # fmt: skip
    folder = reports / "rel" / "releases" / record["release_id"]
    log = (folder / "deploy.log").read_text()
    assert f"deploying {record['release_id']} to rel at {sandbox.url}" in log
    assert "manifest ok" in log
    assert f"  deploy| deploying {record['release_id']}" in out  # streamed to the terminal too
    manifest = json.loads((folder / "checkpoint.json").read_text())
    assert manifest["ok"]
    assert len(manifest["snapshots"]) == 9
    assert all(len(s["sha256"]) == 64 and s["sha256"] == s["checksum"] for s in manifest["snapshots"])
    validate = next(s for s in record["steps"] if s["name"] == "validate")
    assert (reports / "rel" / validate["report"] / "summary.json").exists()
    page = (folder / "release.html").read_text()
    assert f'href="../../{validate["report"]}/report.html"' in page
    assert "RELEASED" in page
    steps = [e["step"] for e in audit(reports)]
    assert steps == ["start", "preflight", "checkpoint", "deploy", "wait_healthy", "validate", "end"]
    verified = golive("audit", "verify", "--env", "rel", reports=reports)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ok — 7 lines" in verified.stdout


def test_audit_verify_finds_an_edited_line(tmp_path: Path) -> None:
    from golive.release.audit import AuditLog

    log = AuditLog(tmp_path / "reports" / "rel" / "audit.jsonl")
    for step in ("start", "deploy", "end"):
        log.append({"release_id": "r1", "step": step, "exit_code": 0})
    assert golive("audit", "verify", "--env", "rel", reports=tmp_path / "reports").returncode == 0
    lines = log.path.read_text().splitlines()
    lines[1] = lines[1].replace('"exit_code": 0', '"exit_code": 1')
    log.path.write_text("\n".join(lines) + "\n")
    proc = golive("audit", "verify", "--env", "rel", reports=tmp_path / "reports")
    assert proc.returncode == 1
    assert "BROKEN" in proc.stdout
    assert "line 3 (seq 3, step end)" in proc.stdout


def test_a_bad_version_fails_validation_and_is_rolled_back(tmp_path: Path, sandbox: SandboxHandle) -> None:
    hooks = {"deploy": {"command": set_faults("{'latency_ms': 15}"), "timeout": "20s"},
             "rollback": {"command": CLEAR_FAULTS, "timeout": "20s"}}  # fmt: skip
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    proc = golive("release", "--config", str(config), "--skip-preflight", "--reason", "test", *PYTEST_ARGS,
                  reports=reports)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 9, out[-2000:] + explain(reports)
    assert "rolling back: validation NO-GO" in out
    assert "ROLLED BACK and healthy" in out
    record = release_record(reports)
    validate = next(s for s in record["steps"] if s["name"] == "validate")
    summary = json.loads((reports / "rel" / validate["report"] / "summary.json").read_text())
    assert summary["verdict"] == "NO-GO"
    p95 = next(c for c in summary["checks"] if c["id"] == "GL-PERF-001")
    assert p95["outcome"] == "failed", p95
    assert _steps(reports)["rollback"] == "ok"
    assert _steps(reports)["post_rollback"] == "ok"
    assert sandbox.faults()["latency_ms"] == 0
    assert [e["outcome"] for e in audit(reports) if e["step"] == "preflight"] == ["skipped"]
    assert audit(reports)[-1]["exit_code"] == 9
    assert audit(reports)[-1]["detail"] == "rolled back because validation NO-GO"
    assert record["rollback_reason"] == "validation NO-GO"


def test_a_hanging_deploy_hook_is_killed_with_its_children_and_rolled_back(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    pidfile = tmp_path / "child.pid"
    hooks = {"deploy": {"command": f"sleep 300 & echo $! > {pidfile}; echo started; wait", "timeout": "2s"},
             "rollback": {"command": "echo rolling back", "timeout": "20s"}}  # fmt: skip
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    proc = golive("release", "--config", str(config), "--skip-preflight", "--reason", "test", *PYTEST_ARGS,
                  reports=reports)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 9, out[-2000:] + explain(reports)
    child = int(pidfile.read_text())
    assert not pid_alive(child), f"the hook's child {child} survived"
    deploy = next(e for e in audit(reports) if e["step"] == "deploy")
    assert deploy["outcome"] == "timed out"
    assert "process group was killed" in deploy["detail"]
    assert "validate" not in _steps(reports)
    assert _steps(reports)["rollback"] == "ok"


def test_a_failing_rollback_is_the_loudest_exit_and_said_first(tmp_path: Path, sandbox: SandboxHandle) -> None:
    hooks = {"deploy": {"command": "echo broken; exit 1", "timeout": "20s"},
             "rollback": {"command": "echo cannot roll back >&2; exit 3", "timeout": "20s"}}  # fmt: skip
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    proc = golive("release", "--config", str(config), "--skip-preflight", "--reason", "test", reports=reports)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 10, out[-2000:] + explain(reports)
    assert "!!! ROLLBACK FAILED" in out
    end = audit(reports)[-1]
    assert end["step"] == "end"
    assert end["exit_code"] == 10
    assert end["detail"].startswith("ROLLBACK FAILED: exit code 3")
    page = (reports / "rel" / "releases" / release_record(reports)["release_id"] / "release.html").read_text()
    assert page.index('id="first-failure"') < page.index('id="timeline"')
    assert "rollback: failed" in page.replace("</h2>", "")


def test_a_second_release_is_refused_and_a_killed_ones_lock_is_taken_over(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    pidfile = tmp_path / "hook.pid"
    slow = release_config(tmp_path, sandbox.url, {"deploy": {"command": f"echo $$ > {pidfile}; exec sleep 120"}})
    reports = tmp_path / "reports"
    first = subprocess.Popen(
        [PY, "-m", "golive", "release", "--config", str(slow), "--skip-preflight", "--reason", "test"],
        cwd=REPO, env=clean_env(reports), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(pidfile.exists, timeout=60, describe="the first release's deploy hook")
        second = golive("release", "--config", str(slow), "--skip-preflight", "--reason", "test", reports=reports)
        assert second.returncode == 8, second.stdout + second.stderr
        first_id = audit(reports)[0]["release_id"]
        assert f"refused: release {first_id} holds the lock" in second.stdout
        assert f"pid {first.pid}" in second.stdout
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)  # the orphaned hook (its own session)
    good = release_config(tmp_path, sandbox.url, {"deploy": {"command": "echo ok"}})
    start = time.monotonic()
    third = golive("release", "--config", str(good), "--skip-preflight", "--reason", "test", *NO_LOAD, reports=reports)
    out = third.stdout + third.stderr
    assert third.returncode == 0, out[-2000:] + explain(reports)
    assert f"took over the stale lock of release {first_id}" in out
    lines = audit(reports)
    assert {"release_id": first_id, "step": "interrupted"}.items() <= next(
        e for e in lines if e["step"] == "interrupted"
    ).items()
    first_steps = [e["step"] for e in lines if e["release_id"] == first_id]
    assert first_steps[0] == "start"
    assert first_steps[-1] == "interrupted"
    assert "end" not in first_steps
    assert any(e["step"] == "refused" for e in lines)
    assert golive("audit", "verify", "--env", "rel", reports=reports).returncode == 0
    assert time.monotonic() - start < 120


def test_a_preflight_no_go_refuses_before_anything_is_deployed(tmp_path: Path, sandbox: SandboxHandle) -> None:
    marker = tmp_path / "deployed"
    hooks = {"deploy": {"command": f"touch {marker}"}, "rollback": {"command": f"touch {marker}"}}
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    sandbox.set_faults(collections={"faq": {"status": "red"}})
    proc = golive("release", "--config", str(config), *PYTEST_ARGS, reports=reports)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 8, out[-2000:] + explain(reports)
    assert "REFUSED: nothing deployed" in out
    assert not marker.exists()
    assert _steps(reports) == {"preflight": "failed"}
    assert [e["step"] for e in audit(reports)] == ["start", "preflight", "end"]


def test_ctrl_c_during_the_deploy_kills_the_hook_and_rolls_back(tmp_path: Path, sandbox: SandboxHandle) -> None:
    pidfile = tmp_path / "hook.pid"
    hooks = {"deploy": {"command": f"echo $$ > {pidfile}; exec sleep 120", "timeout": "5m"},
             "rollback": {"command": "echo rolled back"}}  # fmt: skip
    config, reports = release_config(tmp_path, sandbox.url, hooks), tmp_path / "reports"
    args = [PY, "-m", "golive", "release", "--config", str(config), "--skip-preflight", "--reason", "t", *NO_LOAD]
    proc = subprocess.Popen(args, cwd=REPO, env=clean_env(reports), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip
    try:
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), timeout=60, describe="the deploy hook")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 9, out[-2000:] + explain(reports)
    assert not pid_alive(int(pidfile.read_text()))
    assert _steps(reports)["deploy"] == "interrupted"
    assert _steps(reports)["rollback"] == "ok"
    assert _steps(reports)["post_rollback"] == "ok"
