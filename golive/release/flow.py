"""One release, step by step: lock, preflight, checkpoint, deploy hook, wait until healthy, validate, and on
failure the rollback hook, wait, post-rollback checklist. Every step is printed, kept in the release folder
``reports/<env>/releases/<release-id>/`` and appended to the environment's audit log.

    code = Release(settings, release_id=rid, reports=reports, checklist=run_checklist, target_url=url).run()

The checklist runs go through the caller's ``checklist(run_id, pytest_args) -> exit code`` (``golive run``'s
machinery, so each writes the same report under ``reports/<env>/<run-id>/``). The exit codes are
``golive.release.steps.ReleaseExit``; README "The release gate" documents them.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from golive.errors import WaitTimeout
from golive.release import Hook
from golive.release.audit import AUDIT_FILE, AuditLog, open_releases
from golive.release.checkpoint import take_checkpoint
from golive.release.health import health_state
from golive.release.hookrun import HookResult, run_hook, shown
from golive.release.lock import LockHeld, ReleaseLock, whoami
from golive.release.steps import OUTCOMES, PREFLIGHT_MARKS, Checklist, ReleaseConfig, ReleaseExit, Step
from golive.target import Target
from golive.waiting import wait_until


class _Interrupted(Exception):
    pass


class Release:
    def __init__(
        self,
        config: ReleaseConfig,
        *,
        release_id: str,
        reports: Path,
        checklist: Checklist,
        target_url: str,
        skip_preflight: str | None = None,
        command_line: Sequence[str] = (),
    ) -> None:
        self.config, self.hooks, self.release_id = config, config.hooks, release_id
        self.env_dir = reports / config.env
        self.dir = self.env_dir / "releases" / release_id
        self.checklist, self.target_url, self.skip_preflight = checklist, target_url, skip_preflight
        self.command_line = " ".join(command_line)
        self.audit = AuditLog(self.env_dir / AUDIT_FILE)
        self.lock = ReleaseLock(self.env_dir / "release.lock")
        self.steps: list[Step] = []
        self.cancel = threading.Event()
        self.manifest_path = self.dir / "checkpoint.json"
        self.outcome = ""
        self.rollback_reason: str | None = None

    # ------------------------------------------------------------------ the record
    def _audit(self, step: str, **fields: Any) -> None:
        who = whoami()
        self.audit.append({"env": self.config.env, "release_id": self.release_id, "step": step, **who, **fields})

    def record(self, step: Step) -> Step:
        self.steps.append(step)
        print(f"golive release: {step.name}: {step.outcome}" + (f" — {step.detail}" if step.detail else ""), flush=True)
        self._audit(
            step.name,
            outcome=step.outcome,
            command=step.command,
            exit_code=step.exit_code,
            duration_s=round(step.duration_s, 3),
            verdict=step.verdict,
            report=step.report,
            detail=step.detail,
            checkpoint_manifest=str(self.manifest_path) if self.manifest_path.exists() else None,
        )
        return step

    # ------------------------------------------------------------------ the run
    def run(self) -> int:
        try:
            taken_over = self.lock.acquire(self.release_id)
        except LockHeld as err:
            print(f"golive release: refused: {err}", flush=True)
            self._audit("refused", outcome="refused", detail=str(err), holder=err.holder, command=self.command_line)
            return int(ReleaseExit.REFUSED)
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            if taken_over is not None:
                self._take_over(taken_over)
            self._audit(
                "start",
                outcome="started",
                command=self.command_line,
                target=self.target_url,
                skip_preflight_reason=self.skip_preflight,
            )
            with self._signals():
                try:
                    code = self._steps()
                except Exception as err:  # a bug or an unexpected failure: the audit still says how it ended
                    self._audit("end", outcome="error", detail=f"{type(err).__name__}: {err}")
                    raise
            return self._finish(code)
        finally:
            self.lock.release()

    def _take_over(self, holder: dict[str, Any]) -> None:
        note = (
            f"took over the stale lock of release {holder.get('release_id')} (pid {holder.get('pid')} is gone); "
            "that release was interrupted"
        )
        print(f"golive release: note: {note}", flush=True)
        for rid in open_releases(self.audit.entries()) or [str(holder.get("release_id"))]:
            self.audit.append(
                {
                    "env": self.config.env,
                    "release_id": rid,
                    "step": "interrupted",
                    "outcome": "interrupted",
                    "detail": f"found dead by release {self.release_id}: "
                    f"its process (pid {holder.get('pid')}) ended without finishing",
                    **whoami(),
                }
            )
        self._audit("lock", outcome="taken over", detail=note, previous_holder=holder)

    @contextmanager
    def _signals(self) -> Iterator[None]:
        def handler(signum: int, frame: object) -> None:
            self.cancel.set()

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    def _steps(self) -> ReleaseExit:
        if self.skip_preflight is not None:
            self.record(Step("preflight", "skipped", detail=f"--skip-preflight: {self.skip_preflight}"))
        else:
            step = self._checklist("preflight", PREFLIGHT_MARKS)
            if self.cancel.is_set() or step.exit_code == 2:
                return ReleaseExit.INTERRUPTED
            if step.verdict != "GO":
                return ReleaseExit.REFUSED
        if self.hooks.checkpoint:
            if not self._checkpoint():
                return ReleaseExit.REFUSED
        else:
            self.record(Step("checkpoint", "skipped", detail="hooks.checkpoint is false"))
        if self.cancel.is_set():
            return ReleaseExit.INTERRUPTED
        assert self.hooks.deploy is not None  # the command line refuses a config without one
        deploy = self._hook("deploy", self.hooks.deploy)
        if not deploy.ok:
            return self._rollback(f"the deploy hook {deploy.describe()}")
        if not self._wait_healthy("wait_healthy"):
            return self._rollback("the target did not become healthy after the deploy")
        step = self._checklist("validate", [])
        if self.cancel.is_set() or step.exit_code == 2:
            return self._rollback("interrupted during validation")
        if step.verdict == "GO":
            return ReleaseExit.RELEASED
        if step.verdict == "INCONCLUSIVE" and not self.hooks.rollback_on_inconclusive:
            return ReleaseExit.KEPT_INCONCLUSIVE
        return self._rollback(f"validation {step.verdict}")

    def _rollback(self, reason: str) -> ReleaseExit:
        self.cancel.clear()
        self.rollback_reason = reason
        print(f"golive release: rolling back: {reason}", flush=True)
        self._audit("rollback_start", outcome="started", detail=reason)
        if self.hooks.rollback is None:
            self.record(Step("rollback", "failed", detail="no rollback hook configured (hooks.rollback)"))
            return ReleaseExit.ROLLBACK_FAILED
        if not self._hook("rollback", self.hooks.rollback).ok:
            return ReleaseExit.ROLLBACK_FAILED
        if not self._wait_healthy("wait_healthy_after_rollback"):
            return ReleaseExit.ROLLBACK_FAILED
        step = self._checklist("post_rollback", PREFLIGHT_MARKS)
        return ReleaseExit.ROLLED_BACK if step.verdict == "GO" else ReleaseExit.ROLLBACK_FAILED

    # ------------------------------------------------------------------ the steps
    def _checklist(self, name: str, marks: list[str]) -> Step:
        run_id = f"{self.release_id}-{name.replace('_', '-')}"
        print(
            f"golive release: {name}: the checklist ({' '.join(marks) or '-m golive, with the load gates'}), "
            f"run {run_id}",
            flush=True,
        )
        start = time.monotonic()
        code = self.checklist(run_id, marks)
        summary = self.env_dir / run_id / "summary.json"
        verdict = json.loads(summary.read_text())["verdict"] if summary.exists() else None
        outcome = "ok" if verdict == "GO" else ("interrupted" if code == 2 else "failed")
        detail = f"verdict {verdict or 'none (no summary written)'}, exit code {code}"
        return self.record(
            Step(
                name,
                outcome,
                time.monotonic() - start,
                detail,
                exit_code=code,
                verdict=verdict,
                report=run_id if summary.exists() else None,
            )
        )

    def _checkpoint(self) -> bool:
        start = time.monotonic()
        names = [c.name for c in self.config.collections]
        with Target(self.config.target.model_copy(update={"url": self.target_url})) as target:
            manifest = take_checkpoint(target, names, self.manifest_path, self.hooks.checkpoint_timeout)
        bad = [f"{s['collection']}: {s.get('error')}" for s in manifest["snapshots"] if not s["ok"]]
        detail = (
            f"{len(names)} snapshots verified by sha256, manifest {self.manifest_path.name}"
            if not bad
            else "; ".join(bad)
        )
        self.record(
            Step(
                "checkpoint",
                "failed" if bad else "ok",
                time.monotonic() - start,
                detail,
                report=f"releases/{self.release_id}/{self.manifest_path.name}",
            )
        )
        return not bad

    def hook_env(self) -> dict[str, str]:
        return {
            "GOLIVE_RUN_ID": self.release_id,
            "GOLIVE_ENV": self.config.env,
            "GOLIVE_CHECKPOINT_MANIFEST": str(self.manifest_path.resolve()) if self.manifest_path.exists() else "",
            "GOLIVE_TARGET_URL": self.target_url,
            "GOLIVE_RELEASE_DIR": str(self.dir.resolve()),
        }

    def _hook(self, name: str, hook: Hook) -> HookResult:
        print(f"golive release: {name}: {shown(hook)} (timeout {hook.timeout:g} s)", flush=True)
        log = self.dir / f"{name}.log"
        target = self.config.target
        cancel = self.cancel if name == "deploy" else None
        result = run_hook(
            hook,
            env=self.hook_env(),
            log_path=log,
            prefix=f"  {name}| ",
            kill_grace=self.hooks.kill_grace,
            secrets=[os.environ.get(n, "") for n in (target.api_key_env, target.read_only_api_key_env)],
            cancel=cancel,
        )
        outcome = (
            "ok"
            if result.ok
            else ("timed out" if result.timed_out else "interrupted" if result.cancelled else "failed")
        )
        self.record(
            Step(
                name,
                outcome,
                result.duration,
                result.describe(),
                command=result.command,
                exit_code=result.exit_code,
                report=f"releases/{self.release_id}/{log.name}",
            )
        )
        return result

    def _wait_healthy(self, name: str) -> bool:
        start = time.monotonic()
        seen: list[str] = []
        settings = self.config.target.model_copy(update={"url": self.target_url})

        def healthy() -> bool:
            if self.cancel.is_set():
                raise _Interrupted
            state = health_state(Target(settings), [c.name for c in self.config.collections])
            if not seen or seen[-1] != state:
                print(f"golive release: {name}: {state} ({time.monotonic() - start:.1f} s)", flush=True)
                seen.append(state)
            return state == "healthy"

        try:
            wait_until(
                healthy,
                timeout=self.hooks.healthy_timeout,
                describe="/readyz and the collections",
                interval=0.5,
                max_interval=2.0,
            )
        except WaitTimeout:
            self.record(
                Step(
                    name,
                    "timed out",
                    time.monotonic() - start,
                    f"not healthy after {self.hooks.healthy_timeout:g} s; last: {seen[-1] if seen else '-'}",
                )
            )
            return False
        except _Interrupted:
            self.record(Step(name, "interrupted", time.monotonic() - start, "Ctrl-C / SIGTERM"))
            return False
        self.record(Step(name, "ok", time.monotonic() - start, "/readyz 200 and every expected collection green"))
        return True

    # ------------------------------------------------------------------ the end
    def _finish(self, code: ReleaseExit) -> int:
        self.outcome = OUTCOMES[code]
        first = next((s for s in self.steps if s.name == "rollback" and s.outcome != "ok"), None)
        detail = f"ROLLBACK FAILED: {first.detail}" if first and code == ReleaseExit.ROLLBACK_FAILED else ""
        if self.rollback_reason:
            detail = "; ".join(filter(None, [detail, f"rolled back because {self.rollback_reason}"]))
        self._audit(
            "end",
            outcome=self.outcome,
            exit_code=int(code),
            detail=detail,
            report=f"releases/{self.release_id}/release.html",
        )
        record = {
            "release_id": self.release_id,
            "env": self.config.env,
            "target": self.target_url,
            "outcome": self.outcome,
            "exit_code": int(code),
            "command": self.command_line,
            "rollback_reason": self.rollback_reason,
            "steps": [asdict(s) for s in self.steps],
        }
        (self.dir / "release.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        from golive.release.page import write_page

        page = write_page(record, self.dir / "release.html")
        loud = "!!! " if code == ReleaseExit.ROLLBACK_FAILED else ""
        print(f"golive release: {loud}{self.outcome} (exit {int(code)}); report {page}", flush=True)
        return int(code)
