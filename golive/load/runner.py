"""Drive a load run from ordinary (non-gevent) Python: the CLI and the checks call this.

    spec = RunSpec(scenario="search", host="http://127.0.0.1:6333", rate=1000, duration=30, warmup=5)
    result = run(spec, on_progress=print)      # -> LoadResult; raises LoadRunError if no result came back

The run happens in a child process so gevent's monkey-patching never touches the caller:

- ``processes == 1``: ``python -m golive.load.generator.engine`` (locust's Environment API, one LocalRunner);
- ``processes > 1``: ``locust --processes N`` (locust's own master plus N forked local workers);
- ``master=True``: ``locust --master --expect-workers N``; start workers on other machines with
  ``locust -f loadtests/<scenario>.py --worker --master-host <this host>`` (they get the plan from the master).

Bounded: the child ends its run at warm-up + duration (+ grace for in-flight requests); the driver kills it at
warm-up + duration + grace + a start-up allowance whatever happens. Ctrl-C is forwarded; the child writes a
partial result (``interrupted: true``) and the driver returns it. On Linux the child gets SIGTERM (and winds
down) when the driving process dies, even by SIGKILL, so a killed pytest or CLI leaves no load running.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from golive.fields import new_run_id
from golive.lifetime import die_with_parent
from golive.load.results import PROGRESS_PREFIX, LoadResult
from golive.load.settings import LoadConfig, check_ceilings

STARTUP_ALLOWANCE = 20.0  # import, sampling the collection, spawning users
MAX_USERS_PER_PROCESS = 900  # the select() backend handles at most 1024 descriptors
WORKDIR_PREFIX = "golive-load-"
STALE_WORKDIR_AGE = 86400.0  # a work dir of ours older than a day belongs to a driver that was killed


class LoadRunError(RuntimeError):
    """The run produced no result: the child failed to start, crashed, or the target was unusable."""


def scenarios_dir() -> Path:
    """``loadtests/`` of the checkout (the package lives next to it), or of the current directory."""
    here = Path(__file__).resolve().parents[2] / "loadtests"
    return here if here.is_dir() else Path.cwd() / "loadtests"


def scenario_path(scenario: str) -> Path:
    path = Path(scenario)
    if path.suffix == ".py" and path.exists():
        return path.resolve()
    candidate = scenarios_dir() / f"{scenario}.py"
    if not candidate.exists():
        known = sorted(p.stem for p in scenarios_dir().glob("*.py"))
        raise LoadRunError(f"unknown scenario {scenario!r}: expected one of {known} or a locustfile path")
    return candidate


def auto_users(rate: float, processes: int = 1) -> int:
    """Enough concurrent users that the target may take 100 ms per request before the pool runs dry."""
    return max(20 * processes, min(MAX_USERS_PER_PROCESS * processes, math.ceil(rate * 0.1)))


@dataclass(frozen=True)
class RunSpec:
    scenario: str
    host: str
    rate: float
    duration: float
    warmup: float = 5.0
    grace: float = 5.0
    arrival: str = "constant"
    processes: int = 1
    users: int | None = None
    collection: str | None = None
    timeout: float = 10.0
    tolerance: float = 0.002
    run_id: str = ""
    master: bool = False
    expect_workers: int = 1
    master_bind_port: int = 5557
    max_rate: float = 5000.0
    max_duration: float = 600.0
    api_key_env: str = "QDRANT_API_KEY"  # the key itself travels only in the environment, never on a command line

    def checked(self) -> RunSpec:
        """Validate against the ceilings; fill in the user count and run id."""
        if self.rate <= 0:
            raise ValueError(f"rate {self.rate:g}/s must be positive and at most max_rate {self.max_rate:g}/s")
        if self.duration <= 0 or self.warmup < 0:
            raise ValueError("duration must be positive and warmup not negative")
        check_ceilings(self.rate, self.duration, self.warmup, self.max_rate, self.max_duration)
        if self.arrival not in ("constant", "poisson"):
            raise ValueError(f"arrival must be constant or poisson, got {self.arrival!r}")
        generators = self.expect_workers if self.master else self.processes
        users = self.users or auto_users(self.rate, generators)
        if users > MAX_USERS_PER_PROCESS * generators:
            raise ValueError(f"{users} users exceed {MAX_USERS_PER_PROCESS} per generator process: add processes")
        return replace(self, users=users, run_id=self.run_id or new_run_id())

    @property
    def bound(self) -> float:
        """Seconds after which the driver kills the child, whatever it is doing."""
        wait_workers = 60.0 if self.master else 0.0
        return self.warmup + self.duration + self.grace + STARTUP_ALLOWANCE + wait_workers


def command(spec: RunSpec, result_path: Path) -> list[str]:
    path = str(scenario_path(spec.scenario))
    golive = [
        f"--golive-rate={spec.rate}",
        f"--golive-arrival={spec.arrival}",
        f"--golive-warmup={spec.warmup}",
        f"--golive-duration={spec.duration}",
        f"--golive-grace={spec.grace}",
        f"--golive-timeout={spec.timeout}",
        f"--golive-tolerance={spec.tolerance}",
        f"--golive-run-id={spec.run_id}",
        f"--golive-result={result_path}",
        "--golive-progress",
        f"--golive-api-key-env={spec.api_key_env}",
    ]
    if spec.collection:
        golive.append(f"--golive-collection={spec.collection}")
    users = ["-u", str(spec.users), "-r", str(spec.users), "--host", spec.host]
    if spec.processes == 1 and not spec.master:
        return [sys.executable, "-m", "golive.load.generator.engine", path, *users, *golive]
    safety = f"{math.ceil(spec.warmup + spec.duration + spec.grace + 5)}s"
    base = [sys.executable, "-m", "locust", "-f", path, "--headless", "--only-summary", "--loglevel", "WARNING"]
    base += ["-t", safety, "--stop-timeout", "0"]
    if spec.master:
        base += ["--master", "--expect-workers", str(spec.expect_workers)]
        base += ["--master-bind-port", str(spec.master_bind_port), "--expect-workers-max-wait", "60"]
    else:
        base += ["--processes", str(spec.processes)]
    return [*base, *users, *golive]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GEVENT_BACKEND", "select")  # µs timers; epoll rounds sleeps up to whole milliseconds
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _last_change(path: Path, own: float) -> float:
    newest = own
    for entry in path.iterdir():
        with contextlib.suppress(OSError):
            newest = max(newest, entry.lstat().st_mtime)
    return newest


def remove_stale_workdirs(parent: Path | None = None, max_age: float = STALE_WORKDIR_AGE) -> list[Path]:
    """Remove ``golive-load-*`` work dirs in ``parent`` (the system temp dir by default) that this user owns
    and that were last modified more than ``max_age`` seconds ago; returns what was removed.

    A run removes its own work dir when it returns, but not when its driver is killed outright (SIGKILL) or
    when the run failed (the dir keeps the log the error names). Those are swept here, at the next run's start,
    once they are a day old: younger ones may belong to a run in progress or to an error still being read."""
    parent = Path(parent or tempfile.gettempdir())
    uid = os.getuid() if hasattr(os, "getuid") else None
    cutoff = time.time() - max_age
    removed = []
    for path in parent.glob(f"{WORKDIR_PREFIX}*"):
        try:
            st = path.lstat()
        except OSError:
            continue
        if not path.is_dir() or path.is_symlink() or (uid is not None and st.st_uid != uid):
            continue
        if _last_change(path, st.st_mtime) > cutoff:  # a run still appending to its log is not stale
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def run(
    spec: RunSpec,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    workdir: Path | None = None,
) -> LoadResult:
    """Run ``spec`` to completion (or Ctrl-C) and return its result.

    The child's result and log go to a fresh ``golive-load-*`` dir under ``workdir`` (default: the system temp
    dir), removed on return unless the run failed; stale ones (:func:`remove_stale_workdirs`) go first."""
    spec = spec.checked()
    remove_stale_workdirs(workdir)
    tmp = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=workdir))
    result_path = tmp / "result.json"
    stderr_path = tmp / "locust.log"
    cmd = command(spec, result_path)
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=child_env(),
            start_new_session=True,
            text=True,
            # SIGTERM when we die, even by SIGKILL: the engine winds down like Ctrl-C instead of sending load on
            # (its own session keeps a terminal's Ctrl-C from reaching it except through us)
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + spec.bound
        interrupted = False
        try:
            _follow(proc, lines, deadline, on_progress)
        except KeyboardInterrupt:
            interrupted = True
            _signal(proc, signal.SIGINT)
            with contextlib.suppress(KeyboardInterrupt):
                _follow(proc, lines, time.monotonic() + spec.grace + 5.0, on_progress)
        finally:
            if proc.poll() is None:
                _signal(proc, signal.SIGKILL)
                proc.wait(timeout=10)
            reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
    if not result_path.exists():
        tail = stderr_path.read_text(errors="replace")[-3000:]
        raise LoadRunError(
            f"the load run wrote no result (exit {proc.returncode}, log {stderr_path}, "
            f"command {' '.join(cmd)}):\n{tail}"
        )
    data = json.loads(result_path.read_text())
    if "error" in data:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LoadRunError(str(data["error"]))
    data["interrupted"] = bool(data.get("interrupted")) or interrupted
    data["keyboard_interrupt"] = interrupted  # callers that must stop (pytest) re-raise after keeping evidence
    data["command"] = cmd
    data["log_tail"] = stderr_path.read_text(errors="replace")[-2000:]
    shutil.rmtree(tmp, ignore_errors=True)  # kept only when the run failed, for the error's log
    return LoadResult.from_dict(data)


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _follow(
    proc: subprocess.Popen[str],
    lines: queue.Queue[str | None],
    deadline: float,
    on_progress: Callable[[dict[str, Any]], None] | None,
) -> None:
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            line = lines.get(timeout=min(left, 0.5))
        except queue.Empty:
            if proc.poll() is not None and lines.empty():
                return
            continue
        if line is None:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            return
        if line.startswith(PROGRESS_PREFIX) and on_progress is not None:
            on_progress(json.loads(line[len(PROGRESS_PREFIX) :]))


def _signal(proc: subprocess.Popen[str], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def spec_from_settings(settings: LoadConfig, **overrides: Any) -> RunSpec:
    """A RunSpec from the env's config (``Settings``: ``.target``, ``.load``, ``.collections``)."""
    load = settings.load
    collection = load.collection
    if collection is None and settings.collections:
        collection = settings.collections[0].name
    values: dict[str, Any] = {
        "scenario": load.scenario,
        "host": settings.target.url,
        "rate": load.rate,
        "duration": load.duration,
        "warmup": load.warmup,
        "grace": load.grace,
        "arrival": load.arrival,
        "processes": load.processes,
        "users": load.users,
        "collection": collection,
        "timeout": load.timeout or float(settings.target.timeout),
        "tolerance": load.schedule_tolerance,
        "max_rate": load.max_rate,
        "max_duration": load.max_duration,
        "api_key_env": settings.target.api_key_env,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return RunSpec(**values)
