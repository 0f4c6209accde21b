"""``golive report | signoff | history``: the run folder's report, its sign-off, the environment's runs.

golive report RUN_DIR
golive signoff RUN_DIR --name "A. Approver" --role "SRE lead" [--comment TEXT] [--reject] [--waiver ID ...]
golive history --env NAME

RUN_DIR is a run folder (``reports/<env>/<run-id>``), or ``<env>/<run-id>`` / ``<env>/latest`` under the
reports folder (``GOLIVE_REPORTS``, default ``./reports``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from golive.outcomes import ExitCode


def reports_root() -> Path:
    from golive.session import reports_root as root

    return root()


def add_parsers(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="regenerate report.html (and junit.xml, metrics.prom) from a run folder",
        description="Regenerate a run's report.html, junit.xml and metrics.prom from its folder "
        "(summary.json, load/ evidence, the environment's history and the run's sign-offs).",
    )
    report.add_argument("run_dir", metavar="RUN_DIR", help="reports/<env>/<run-id>, or <env>/<run-id> under reports")
    signoff = sub.add_parser(
        "signoff",
        help="approve (or --reject) a run: recorded with the time and the sha256 of its report and summary",
        description="Record an approval or a rejection of a run in RUN_DIR/signoff.jsonl with the time and the "
        "sha256 of report.html and summary.json, then regenerate report.html to show it. A run that is not GO "
        "can only be approved by naming, with --waiver, each blocker it relies on (failed, not run or untrusted).",
    )
    signoff.add_argument("run_dir", metavar="RUN_DIR", help="reports/<env>/<run-id>, or <env>/<run-id> under reports")
    signoff.add_argument("--name", required=True, help="who signs")
    signoff.add_argument("--role", required=True, help="in which role (e.g. 'SRE lead', 'release manager')")
    signoff.add_argument("--comment", default="", help="a comment shown with the sign-off")
    signoff.add_argument("--reject", action="store_true", help="record a rejection instead of an approval")
    signoff.add_argument(
        "--waiver", action="append", default=[], metavar="ID", help="an item the approval relies on (repeatable)"
    )
    history = sub.add_parser("history", help="list an environment's runs (reports/<env>/history.jsonl)")
    history.add_argument("--env", required=True, metavar="NAME", help="the environment")
    history.add_argument("--last", type=int, default=20, metavar="N", help="show the newest N runs (default 20)")


def resolve_run_dir(text: str) -> Path:
    path = Path(text)
    if not (path / "summary.json").exists() and (reports_root() / text / "summary.json").exists():
        path = reports_root() / text
    return path.resolve() if path.is_symlink() else path


def _fail(message: str) -> int:
    print(f"golive: {message}", file=sys.stderr)
    return int(ExitCode.USAGE_ERROR)


def cmd_report(args: argparse.Namespace) -> int:
    from golive.report import html, junit, prometheus
    from golive.report.evidence import RunFolderError, read_summary

    run_dir = resolve_run_dir(args.run_dir)
    try:
        summary = read_summary(run_dir)
    except RunFolderError as err:
        return _fail(f"{err}; pass a folder reports/<env>/<run-id>")
    junit.write(run_dir, summary)
    prometheus.write(run_dir, summary)
    path = html.write(run_dir)
    print(f"golive: {summary['verdict']} report written: {path}")
    return 0


def cmd_signoff(args: argparse.Namespace) -> int:
    from golive.report import html, signoff
    from golive.report.evidence import RunFolderError

    run_dir = resolve_run_dir(args.run_dir)
    try:
        record = signoff.sign(
            run_dir, name=args.name, role=args.role, comment=args.comment, reject=args.reject, waivers=args.waiver
        )
    except RunFolderError as err:
        return _fail(f"{err}; pass a folder reports/<env>/<run-id>")
    except signoff.SignoffRefused as err:
        return _fail(f"sign-off refused: {err}")
    path = html.write(run_dir)
    relies = f", relying on {', '.join(record['relies_on'])}" if record["relies_on"] else ""
    print(
        f"golive: {record['decision']} by {record['name']} ({record['role']}) at {record['at']}: "
        f"{record['verdict']} run {run_dir.name}{relies}\n"
        f"  summary sha256 {record['summary_sha256']}\n  report  sha256 {record['report_sha256']}\n"
        f"golive: report updated: {path}"
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from golive.fields import safe_name
    from golive.report import history

    try:
        safe_name(args.env, "an environment name")
    except ValueError as err:
        return _fail(str(err))
    env_dir = reports_root() / args.env
    runs = history.read(env_dir)
    if not runs:
        print(f"golive: no runs recorded for {args.env} ({env_dir / history.HISTORY_FILE} is missing or empty)")
        return 0
    for line in history.table(runs[-args.last :]):
        print(line)
    return 0
