"""``golive``: run the go-live checklist, serve the sandbox, drive load gates, check a config.

golive run [--env NAME | --config PATH] [pytest args...]
golive sandbox [--port 6333] [--demo] ...          (see ``golive sandbox --help``)
golive load run|capacity --env NAME ...            (see ``golive load --help``)
golive config check [--env NAME | --config PATH]
golive report RUN_DIR                              (regenerate report.html, junit.xml, metrics.prom)
golive signoff RUN_DIR --name NAME --role ROLE [--comment TEXT] [--reject] [--waiver ID ...]
golive history --env NAME
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

from golive.config import ConfigError, Settings, load_settings, resolve_config_path
from golive.outcomes import ExitCode

INTERRUPT_GRACE_S = 30.0  # how long pytest may take to write its partial summary after Ctrl-C / SIGTERM

EXIT_CODES = """exit codes:
  0  GO             every blocker passed (or is waived)
  1  NO-GO          a blocker failed
  2  interrupted    Ctrl-C; a partial report is written, verdict INCONCLUSIVE
  4  usage error    bad command line or bad check markers
  5  no checks      nothing was collected
  6  INCONCLUSIVE   a measurement could not be trusted, a blocker did not run and no waiver names it,
                   items did not run (-x), or the sandbox did not start
  7  config error   the config is missing or invalid; nothing was checked
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if argv and argv[0] == "sandbox":
        from golive.sandbox.server import main as sandbox_main

        return int(sandbox_main(argv[1:]))
    if argv and argv[0] == "load":
        from golive.load.cli import main as load_main

        return int(load_main(argv[1:]))
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return cmd_run(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "config":
        return cmd_config_check(args)
    if args.command in ("report", "signoff", "history"):
        from golive.report import cli as report_cli

        return int(getattr(report_cli, f"cmd_{args.command}")(args))
    parser.print_help()
    return int(ExitCode.USAGE_ERROR)


class _Parser(argparse.ArgumentParser):
    """argparse with the documented usage-error exit code (4), not argparse's 2 (which means interrupted)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.USAGE_ERROR), f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="golive",
        description="Go-live validation for a Qdrant deployment: checklist, load gates, GO / NO-GO verdict.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser(
        "run",
        help="run the go-live checklist (pytest -m golive) against an environment and write the report",
        description="Run `pytest -m golive checks/` for an environment. When the environment's target is the "
        "sandbox (target.sandbox in its config), the sandbox is started with its demo data first and "
        'stopped afterwards. Arguments not listed here go to pytest (e.g. -m "golive and not load", -k, -x).',
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_args(run)
    run.add_argument("--checks", metavar="DIR", default="checks", help="the checklist folder (default: checks)")
    sub.add_parser("sandbox", help="serve the Qdrant-compatible sandbox (see `golive sandbox --help`)", add_help=False)
    sub.add_parser("load", help="run a load scenario or find capacity (see `golive load --help`)", add_help=False)
    config = sub.add_parser("config", help="validate an environment's config without running anything")
    config_sub = config.add_subparsers(dest="config_command", metavar="check", required=True)
    _config_args(config_sub.add_parser("check", help="load and validate the config, print a short summary"))
    from golive.report.cli import add_parsers

    add_parsers(sub)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--env", metavar="NAME", help="environment: config/NAME.yaml (env GOLIVE_ENV; default sandbox)")
    group.add_argument("--config", metavar="PATH", type=Path, help="a config file instead of config/<env>.yaml")


def _load(args: argparse.Namespace) -> tuple[Path, Settings]:
    path = resolve_config_path(env=args.env, path=args.config)
    return path, load_settings(path)


def cmd_config_check(args: argparse.Namespace) -> int:
    try:
        path, settings = _load(args)
    except ConfigError as err:
        print(f"golive: {err}", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    kind = "the golive sandbox" if settings.target.is_sandbox else "a Qdrant deployment"
    print(f"{path}: ok — env {settings.env}, target {settings.target.url} ({kind})")
    today = dt.date.today()
    for waiver in settings.waivers:
        state = "active" if waiver.active(today) else "EXPIRED: no longer waives anything"
        print(f"  waiver {waiver.id} until {waiver.expires} ({state}), approved by {waiver.approver}")
    print(
        f"  {len(settings.collections)} collections, {len(settings.hosts)} hosts, gates: "
        + ", ".join(str(g) for g in settings.thresholds.gates)
    )
    return 0


def cmd_run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    try:
        path, settings = _load(args)
    except ConfigError as err:
        print(f"golive: {err}\ngolive: stopped before any check ran", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    from golive.report.summary import new_run_id

    run_id = new_run_id()
    reports = Path(os.environ.get("GOLIVE_REPORTS") or "reports")
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
    here, as SIGINT: pytest then writes its partial summary, and the sandbox is stopped after it.
    """
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *argv], start_new_session=True)
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


def _start_sandbox(stack: contextlib.ExitStack, settings: Settings) -> str:
    """Start the sandbox the config describes, stopped when ``stack`` closes; return its URL."""
    from golive.sandbox.testing import running_sandbox

    sandbox = settings.target.sandbox
    assert sandbox is not None
    demo = ", with demo data" if sandbox.demo else ""
    print(
        f"golive: starting the sandbox on {settings.target.url} (data in {sandbox.data_dir}{demo})",
        flush=True,
    )
    handle = stack.enter_context(
        running_sandbox(
            sandbox.data_dir,
            demo=sandbox.demo,
            demo_scale=sandbox.demo_scale,
            api_key=os.environ.get(settings.target.api_key_env) or None,
            read_only_key=os.environ.get(settings.target.read_only_api_key_env) or None,
            port=settings.target.port,
            ready_timeout=sandbox.ready_timeout,
            extra_args=("--demo-seed", str(sandbox.demo_seed)),
        )
    )
    stack.callback(print, "golive: stopping the sandbox", flush=True)
    return str(handle.url)


if __name__ == "__main__":
    sys.exit(main())
