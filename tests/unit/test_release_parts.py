"""The release gate's parts without a target: the lock, the audit chain, the hook runner, the dry-run plan."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from golive.release import Hook, Hooks
from golive.release.audit import GENESIS, AuditLog, open_releases, verify
from golive.release.hookrun import run_hook
from golive.release.lock import LockHeld, ReleaseLock, pid_alive
from golive.release.plan import plan
from golive.target import TargetSettings


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_held_lock_refuses_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "release.lock"
    first = ReleaseLock(path)
    assert first.acquire("r1") is None
    with pytest.raises(LockHeld, match=rf"release r1 holds the lock .*pid {os.getpid()} on {socket.gethostname()}"):
        ReleaseLock(path).acquire("r2")
    first.release()
    assert not path.exists()
    assert ReleaseLock(path).acquire("r3") is None


def test_a_dead_holders_lock_is_taken_over_and_returned(tmp_path: Path) -> None:
    path = tmp_path / "release.lock"
    dead = _dead_pid()
    assert not pid_alive(dead)
    path.write_text(json.dumps({"release_id": "old", "pid": dead, "host": socket.gethostname()}))
    lock = ReleaseLock(path)
    taken = lock.acquire("new")
    assert taken is not None
    assert taken["release_id"] == "old"
    assert json.loads(path.read_text())["release_id"] == "new"


def test_a_lock_from_another_host_is_never_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "release.lock"
    path.write_text(json.dumps({"release_id": "remote", "pid": _dead_pid(), "host": "elsewhere"}))
    with pytest.raises(LockHeld, match="release remote"):
        ReleaseLock(path).acquire("new")


def test_the_audit_chain_links_every_line_and_catches_edits_and_gaps(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for step in ("start", "deploy", "validate", "end"):
        log.append({"release_id": "r1", "step": step})
    entries = log.entries()
    assert entries[0]["prev_sha256"] == GENESIS
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert verify(log.path) == []
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")  # a line removed
    problems = verify(log.path)
    assert any("line 2 (seq 3, step validate): prev_sha256 does not match" in p for p in problems), problems
    log.path.write_text("\n".join(lines).replace('"step": "deploy"', '"step": "deplox"') + "\n")  # a line edited
    assert any(p.startswith("line 3 ") for p in verify(log.path))


def test_parallel_appends_keep_one_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    threads = [
        threading.Thread(target=lambda i=i: [log.append({"release_id": f"r{i}", "step": "x"}) for _ in range(20)])
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log.entries()) == 80
    assert verify(log.path) == []


def test_open_releases_are_those_without_an_end() -> None:
    entries = [
        {"release_id": "a", "step": "start"},
        {"release_id": "b", "step": "start"},
        {"release_id": "a", "step": "end"},
    ]
    assert open_releases(entries) == ["b"]


def test_a_hook_gets_its_environment_and_its_output_is_streamed_and_kept(tmp_path: Path) -> None:
    out = io.StringIO()
    hook = Hook(command="echo run $GOLIVE_RUN_ID; echo oops >&2; echo key $KEY; exit 3", timeout=10)
    env = {"GOLIVE_RUN_ID": "r42", "KEY": "s3cr3t-value"}
    result = run_hook(hook, env=env, log_path=tmp_path / "h.log", prefix="h| ", out=out, secrets=["s3cr3t-value"])
    assert result.exit_code == 3
    assert not result.ok
    assert "h| run r42" in out.getvalue()
    assert "h| oops" in out.getvalue()
    assert (tmp_path / "h.log").read_text() == "run r42\noops\nkey ***\n"
    assert "s3cr3t" not in out.getvalue()


def test_a_hook_past_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child"
    hook = Hook(command=["/bin/sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], timeout=0.5)
    result = run_hook(hook, env={}, log_path=tmp_path / "h.log", kill_grace=0.5, out=io.StringIO())
    assert result.timed_out
    assert "timed out" in result.describe()
    assert not pid_alive(int(pidfile.read_text()))
    assert "process group killed" in (tmp_path / "h.log").read_text()


def test_a_hook_that_cannot_start_says_why(tmp_path: Path) -> None:
    result = run_hook(Hook(command=[str(tmp_path / "missing")]), env={}, log_path=tmp_path / "h.log")
    assert result.exit_code is None
    assert "could not start" in result.describe()


def test_the_dry_run_plan_names_the_resolved_commands_and_timeouts() -> None:
    class Config:
        env = "prod"
        target = TargetSettings(url="http://127.0.0.1:6350")
        hooks = Hooks(deploy=Hook(command=["./deploy.sh", "v2"], timeout=120), healthy_timeout=90)
        collections: list = []

    lines = "\n".join(plan(Config(), "http://127.0.0.1:6350", skip_preflight="hotfix"))
    assert "deploy hook: './deploy.sh v2' (timeout 120 s)" in lines
    assert "rollback hook NOT CONFIGURED" in lines
    assert "preflight: SKIPPED (hotfix)" in lines
    assert "at most 90 s" in lines


REPO = Path(__file__).resolve().parents[2]


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from golive.cli import main

    code = main(["release", "--config", str(REPO / "config/production.example.yaml"), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "deploy hook: '/opt/qdrant/bin/deploy.sh' (timeout 900 s)" in out
    assert "rollback hook '/opt/qdrant/bin/rollback.sh' (timeout 900 s)" in out
    assert "dry run: nothing was run" in out


def test_skip_preflight_needs_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from golive.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["release", "--config", str(REPO / "config/production.example.yaml"), "--skip-preflight"])
    assert exit_info.value.code == 4
    assert "--skip-preflight needs --reason" in capsys.readouterr().err


def test_a_config_without_a_deploy_hook_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    from golive.cli import main

    assert main(["release", "--config", str(REPO / "config/sandbox.yaml"), "--dry-run"]) == 7
    assert "hooks.deploy: not set" in capsys.readouterr().err
