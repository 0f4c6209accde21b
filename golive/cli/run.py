"""``golive run``: the checklist in a pytest child process, with the sandbox started first when the config says
the target is the sandbox, and stopped after it (also on Ctrl-C or SIGTERM)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from golive.cli import settings_from_args
from golive.config import ConfigError, Settings
from golive.fields import new_run_id
from golive.lifetime import die_with_parent
from golive.outcomes import ExitCode
from golive.report.terminal import verdict_text
from golive.session import reports_root

if TYPE_CHECKING:
    from golive.cli.sandbox_claims import SandboxClaims

INTERRUPT_GRACE_S = 30.0  # how long pytest may take to write its partial summary after Ctrl-C / SIGTERM


def cmd_run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    try:
        path, settings = settings_from_args(args)
    except ConfigError as err:
        print(f"golive: {err}\ngolive: stopped before any check ran", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    run_id = new_run_id()
    reports = reports_root()
    # `--opt=value` form: pytest reads its ini before it knows plugin options, and would take a separate
    # value that names an existing file for a test path (and pick the wrong rootdir).
    argv = ["-m", "golive", f"--golive-config={path}", f"--golive-run-id={run_id}", *pytest_args, args.checks]
    # Outside pytest's run (sandbox start and stop) SIGTERM and Ctrl-C raise _Interrupted, so the ExitStack
    # still stops the sandbox; while pytest runs, _pytest forwards them to pytest instead.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.ExitStack() as stack:
            if settings.target.sandbox is not None:
                try:
                    url = _start_sandbox(stack, settings)
                except Exception as err:  # the launcher's message carries the sandbox's own last words
                    print(f"golive: could not start the sandbox: {err}", file=sys.stderr)
                    return int(ExitCode.INCONCLUSIVE)
                argv = [f"--golive-target={url}", *argv]
            code = _pytest(argv)
    except _Interrupted:
        print("golive: interrupted; the sandbox was stopped", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    run_dir = reports / settings.env / run_id
    if (run_dir / "summary.json").exists():
        print(f"golive: report folder {run_dir}  (newest run: {reports / settings.env / 'latest'})")
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        print(verdict_text(summary["verdict"], summary.get("reasons", [])), flush=True)  # the last line, again
    return code


class _Interrupted(BaseException):
    """SIGTERM or Ctrl-C outside pytest's run. Not KeyboardInterrupt, which CPython treats specially at exit:
    raised from the SIGTERM handler, golive was once seen (CI, busy machine) to print its message and then die
    by SIGINT (exit -2) instead of returning the documented exit 2."""


def _interrupt(signum: int, frame: object) -> None:
    raise _Interrupted


def _pytest(argv: list[str]) -> int:
    """pytest in a child process: a clean interpreter (assertion rewriting, warnings), same terminal.

    The child runs in its own session, so a Ctrl-C or a SIGTERM (a CI cancel) reaches it exactly once, from
    here, as SIGINT: pytest then writes its partial summary, and the sandbox is stopped after it. If golive
    itself is killed (SIGKILL), the kernel sends the child that SIGINT (a parent-death signal).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *argv], start_new_session=True, preexec_fn=die_with_parent(signal.SIGINT)
    )
    interrupted: list[float] = []

    def forward(signum: int, frame: object) -> None:
        interrupted.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if interrupted and time.monotonic() - interrupted[0] > INTERRUPT_GRACE_S:
                    proc.kill()
                    proc.wait()
                    return int(ExitCode.INTERRUPTED)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def backup_args(settings: Settings) -> list[str]:
    """The sandbox's scheduled backups, kept the way ``backups:`` describes: snapshots in its snapshots path
    (``locations[0]`` names it), copies in every further location, a round whenever the newest is older than half
    of ``max_age`` (and at start: a run a week after the demo was built still finds fresh ones)."""
    locations = settings.backups.locations
    if not locations:
        return []
    args = ["--backup-every", f"{settings.backups.max_age / 2:g}"]
    for location in locations[1:]:
        args += ["--backup-copy", str(location)]
    return args


def _start_sandbox(stack: contextlib.ExitStack, settings: Settings) -> str:
    """Start the sandbox the config describes, stopped when ``stack`` closes; return its URL."""
    from golive.cli.sandbox_claims import metrics_endpoint_port, provide_claims
    from golive.sandbox.lock import stop_holder
    from golive.sandbox.metrics_endpoint import running_metrics_endpoint
    from golive.sandbox.testing import running_sandbox

    sandbox = settings.target.sandbox
    assert sandbox is not None
    leftover = stop_holder(sandbox.data_dir)  # a sandbox a killed run left behind on this data dir
    if leftover is not None:
        print(
            f"golive: stopped a leftover golive sandbox (pid {leftover.pid} at {leftover.url}) "
            f"that still served {sandbox.data_dir}",
            flush=True,
        )
    demo = ", with demo data" if sandbox.demo else ""
    sandbox.data_dir.mkdir(parents=True, exist_ok=True)
    sandbox.data_dir.chmod(0o750)  # a service's storage is not world-readable (GL-SVC-007 checks it)
    for location in settings.backups.locations:  # nor are its backups
        location.mkdir(parents=True, exist_ok=True)
        location.chmod(0o750)
    print(
        f"golive: starting the sandbox on {settings.target.url} (data in {sandbox.data_dir}{demo})",
        flush=True,
    )
    claims = provide_claims(settings, os.environ)  # keys land in the environment the checks inherit
    if claims.generated:
        print(f"golive: the sandbox claims what the config claims: {claims.describe()}", flush=True)
    prometheus = _start_prometheus(stack, settings, claims)  # first: it applies its targets ~5 s after start
    handle = stack.enter_context(
        running_sandbox(
            sandbox.data_dir,
            demo=sandbox.demo,
            demo_scale=sandbox.demo_scale,
            api_key=claims.api_key,
            read_only_key=claims.read_only_key,
            tls=claims.tls,
            ca_file=claims.ca_file,
            port=settings.target.port,
            ready_timeout=sandbox.ready_timeout,
            extra_args=("--demo-seed", str(sandbox.demo_seed), *backup_args(settings), *claims.sandbox_args),
        )
    )
    stack.callback(print, "golive: stopping the sandbox", flush=True)
    ready = time.time()
    metrics_port = metrics_endpoint_port(settings)
    if metrics_port is not None:
        families = tuple(settings.monitoring.endpoint_families)
        metrics_url = stack.enter_context(running_metrics_endpoint(metrics_port, families))
        print(f"golive: metrics endpoint stand-in on {metrics_url}", flush=True)
    if prometheus is not None:  # a scrape of the sandbox that is up, so GL-MON-006 judges a real one
        from golive.cli.sandbox_prometheus import wait_for_scrape

        late = wait_for_scrape(prometheus, settings.monitoring.prometheus_job, since=ready, timeout=30)
        if late is not None:
            print(f"golive: Prometheus: {late}", flush=True)
    return str(handle.url)


def _start_prometheus(stack: contextlib.ExitStack, settings: Settings, claims: SandboxClaims) -> str | None:
    """A real Prometheus on the loopback port of the config's ``kind: prometheus`` entry, scraping the sandbox
    (key and CA of the run) and the metrics stand-in, with the demo's rules; stopped and its temp folder removed
    when ``stack`` closes; its URL. Without the binary: one line, None, and the run goes on: the Prometheus
    items fail (nothing listens on the entry's URL), so the verdict is not GO."""
    from golive.cli import sandbox_prometheus as prom

    entry = prom.demo_prometheus(settings.dependencies)
    if entry is None:
        return None
    if shutil.which("prometheus") is None:
        print(
            f"golive: prometheus is not installed, so nothing watches the sandbox at {entry.url} and the Prometheus"
            f" items fail: install it with `{prom.APT_HINT}`",
            flush=True,
        )
        return None
    job = settings.monitoring.prometheus_job
    folder = stack.enter_context(prom.temporary_folder())
    config = prom.scrape_config(
        folder, job=job, target_url=settings.target.url, key=claims.read_only_key or claims.api_key,
        ca_file=claims.ca_file, metrics_url=settings.target.metrics_url,
    )  # fmt: skip
    url = stack.enter_context(prom.running_prometheus(folder, config, prom.demo_rules(job), entry.port))
    stack.callback(print, "golive: stopping Prometheus", flush=True)
    print(f"golive: Prometheus on {url} scraping the sandbox every {prom.SCRAPE_INTERVAL_S} s ({folder})", flush=True)
    return url
