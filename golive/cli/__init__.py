"""``golive``: run the go-live checklist, serve the sandbox, drive load gates, check a config.

One module per command: ``golive.cli.run`` (the checklist), ``golive.cli.load`` (load gates),
``golive.cli.report`` (report, signoff, history); ``golive sandbox`` is ``golive.sandbox.server``; ``config check``
is here; ``golive.cli.release`` (release, audit verify).

golive run [--env NAME | --config PATH] [pytest args...]
golive sandbox [--port 6333] [--demo] ...          (see ``golive sandbox --help``)
golive load run|capacity --env NAME ...            (see ``golive load --help``)
golive config check [--env NAME | --config PATH]
golive report RUN_DIR                              (regenerate report.html, junit.xml, metrics.prom)
golive signoff RUN_DIR --name NAME --role ROLE [--comment TEXT] [--reject] [--waiver ID ...]
golive history --env NAME
golive release --env NAME [--dry-run] [--skip-preflight --reason TEXT] [-- PYTEST ARGS]
golive audit verify --env NAME
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

from golive.config import ConfigError, Settings, load_run_settings
from golive.outcomes import ExitCode

EXIT_CODES = """exit codes:
  0  GO             every blocker ran and passed (or is waived)
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
        from golive.cli.load import main as load_main

        return int(load_main(argv[1:]))
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        from golive.cli.run import cmd_run

        return cmd_run(args, rest)
    if args.command == "release":
        from golive.cli.release import cmd_release

        return cmd_release(args, rest, parser)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "config":
        return cmd_config_check(args)
    if args.command == "audit":
        from golive.cli.release import cmd_audit

        return cmd_audit(args)
    if args.command in ("report", "signoff", "history"):
        from golive.cli import report

        return int(getattr(report, f"cmd_{args.command}")(args))
    parser.print_help()
    return int(ExitCode.USAGE_ERROR)


class Parser(argparse.ArgumentParser):
    """argparse with the documented usage-error exit code (4), not argparse's 2 (which means interrupted)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.USAGE_ERROR), f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="golive",
        description="Go-live validation for a Qdrant deployment: checklist, load gates, GO / NO-GO verdict.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    run = sub.add_parser(
        "run",
        help="run the go-live checklist (pytest -m golive) against an environment and write the report",
        description="Run `pytest -m golive checks/` for an environment. When the environment's target is the "
        "sandbox (target.sandbox in its config), the sandbox is started with its demo data first (with what the "
        "config claims, the metrics-endpoint stand-in and a real Prometheus watching it) and "
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
    from golive.cli.report import add_parsers

    add_parsers(sub)
    from golive.cli.release import add_parsers as add_release_parsers

    add_release_parsers(sub)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--env", metavar="NAME", help="environment: config/NAME.yaml (env GOLIVE_ENV; default sandbox)")
    group.add_argument("--config", metavar="PATH", type=Path, help="a config file instead of config/<env>.yaml")


def settings_from_args(args: argparse.Namespace) -> tuple[Path, Settings]:
    """The settings ``--env`` / ``--config`` name, through the one loader every entry point uses."""
    settings = load_run_settings(env=args.env, path=args.config)
    return Path(settings.source), settings


def cmd_config_check(args: argparse.Namespace) -> int:
    try:
        path, settings = settings_from_args(args)
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
    for dep in settings.dependencies:  # the address each GL-DEP / GL-NET item will contact
        target = dep.resolved(settings.target.url)
        print(f"  dependency {dep.name} ({dep.kind}, {dep.severity}): {target.address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
