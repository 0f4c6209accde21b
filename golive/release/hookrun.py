"""Run a deploy or rollback hook: its own process group, output streamed and kept, a timeout that kills the
group (the hook's children too).

    result = run_hook(hook, env=extra_env, log_path=run_dir / "deploy.log", prefix="deploy| ")
    result.exit_code, result.timed_out, result.duration

A string command goes through ``/bin/sh -c``, a list is executed as is. The API keys in use (``secrets``)
are redacted from what is shown and kept. On timeout (or when ``cancel`` is
set, e.g. by Ctrl-C) the whole group gets SIGTERM, then SIGKILL after ``kill_grace`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from golive.release import Hook
from golive.report.record import redact

POLL_S = 0.1


@dataclass
class HookResult:
    command: str
    exit_code: int | None  # None: it could not be started
    duration: float
    timed_out: bool = False
    cancelled: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.cancelled

    def describe(self) -> str:
        if self.error:
            return f"could not start: {self.error}"
        if self.timed_out:
            return f"timed out after {self.duration:.1f} s; its process group was killed"
        if self.cancelled:
            return f"interrupted after {self.duration:.1f} s; its process group was killed"
        return f"exit code {self.exit_code} after {self.duration:.1f} s"


def shown(hook: Hook) -> str:
    return hook.command if isinstance(hook.command, str) else " ".join(hook.command)


def _pump(stream: IO[bytes], log: IO[bytes], out: IO[str], prefix: str, secrets: list[str]) -> None:
    for raw in iter(stream.readline, b""):
        line = redact(raw.decode(errors="replace"), secrets)
        log.write(line.encode())
        log.flush()
        out.write(prefix + line.rstrip("\n") + "\n")
        out.flush()


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def run_hook(
    hook: Hook,
    *,
    env: Mapping[str, str],
    log_path: Path,
    prefix: str = "",
    kill_grace: float = 5.0,
    cancel: threading.Event | None = None,
    cwd: Path | None = None,
    out: IO[str] | None = None,
    secrets: list[str] | None = None,
) -> HookResult:
    """Run ``hook`` to its end or its timeout; its output goes to ``out`` (stdout) and to ``log_path``."""
    out = out or sys.stdout
    argv = ["/bin/sh", "-c", hook.command] if isinstance(hook.command, str) else list(hook.command)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with log_path.open("wb") as log:
        try:
            proc = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **env},
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as err:
            log.write(f"golive: could not start {argv!r}: {err}\n".encode())
            return HookResult(shown(hook), None, 0.0, error=str(err))
        assert proc.stdout is not None
        pump = threading.Thread(target=_pump, args=(proc.stdout, log, out, prefix, secrets or []), daemon=True)
        pump.start()
        timed_out = cancelled = False
        deadline = start + hook.timeout
        while proc.poll() is None:
            if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
                timed_out = time.monotonic() >= deadline
                cancelled = not timed_out
                _kill_group(proc.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(kill_grace)
                _kill_group(proc.pid, signal.SIGKILL)  # also the children that outlive the group leader
                proc.wait()
                break
            time.sleep(POLL_S)
        pump.join(5.0)
        if not pump.is_alive():  # else a child outside the group still holds the pipe: leave it to the thread
            proc.stdout.close()
        duration = time.monotonic() - start
        if timed_out or cancelled:
            log.write(
                f"golive: {'timed out' if timed_out else 'interrupted'} after {duration:.1f} s; "
                "process group killed\n".encode()
            )
    return HookResult(shown(hook), proc.returncode, duration, timed_out=timed_out, cancelled=cancelled)
