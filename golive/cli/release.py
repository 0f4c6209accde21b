"""``golive release`` (the release gate) and ``golive audit verify`` (its audit log's hash chain).

golive release --env NAME [--dry-run] [--skip-preflight --reason TEXT] [-- PYTEST ARGS]
golive audit verify --env NAME
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from golive.config import ConfigError
from golive.fields import new_run_id
from golive.outcomes import ExitCode
from golive.release.audit import AUDIT_FILE, AuditLog, verify
from golive.release.flow import Release
from golive.release.plan import plan
from golive.release.steps import ReleaseExit
from golive.session import reports_root

RELEASE_EXIT_CODES = """exit codes:
  0  released          validation GO: the new version stays
  2  interrupted       Ctrl-C before the deploy hook started: nothing deployed
  4  usage error       bad command line
  6  kept, INCONCLUSIVE  validation INCONCLUSIVE and hooks.rollback_on_inconclusive is false
  7  config error      the config is missing or invalid, or has no hooks.deploy; nothing ran
  8  refused           another release holds the lock, the preflight was not GO, or the checkpoint failed:
                       nothing deployed
  9  rolled back       the deploy or its validation failed (or Ctrl-C after the deploy started); the rollback
                       hook ran and the post-rollback checklist is GO
 10  ROLLBACK FAILED   no rollback hook, it failed or timed out, the target did not come back healthy, or the
                       post-rollback checklist is not GO: the environment needs a human now
"""


def add_parsers(sub: Any) -> None:
    release = sub.add_parser(
        "release",
        help="the release gate: lock, preflight, checkpoint, deploy hook, validate, rollback on failure, audit",
        description="One bounded release of an environment: take its lock, run the checklist without the load "
        "gates (preflight), snapshot every expected collection (checkpoint), run hooks.deploy, wait until "
        "/readyz and the collections are back, validate with the full checklist and the load gates, and on "
        "failure run hooks.rollback, wait, and run the checklist again. Every step goes to "
        "reports/<env>/audit.jsonl; the release folder is reports/<env>/releases/<release-id>/. Arguments after "
        "`--` go to every checklist run (pytest arguments). The hooks get GOLIVE_RUN_ID, GOLIVE_ENV, "
        "GOLIVE_CHECKPOINT_MANIFEST, GOLIVE_TARGET_URL and GOLIVE_RELEASE_DIR in their environment.",
        epilog=RELEASE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from golive.cli import _config_args

    _config_args(release)
    release.add_argument(
        "--dry-run", action="store_true", help="print the plan with commands and timeouts; run nothing"
    )
    release.add_argument("--skip-preflight", action="store_true", help="skip the preflight checklist (needs --reason)")
    release.add_argument("--reason", metavar="TEXT", help="why the preflight is skipped (recorded in the audit log)")
    release.add_argument("--checks", metavar="DIR", default="checks", help="the checklist folder (default: checks)")
    audit = sub.add_parser("audit", help="check an environment's release audit log (golive audit verify --env NAME)")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="verify", required=True)
    verify_parser = audit_sub.add_parser(
        "verify",
        help="check the hash chain of reports/<env>/audit.jsonl: exit 0 intact, 1 broken, 7 no log",
    )
    verify_parser.add_argument("--env", required=True, metavar="NAME", help="the environment")


def cmd_release(args: argparse.Namespace, pytest_args: list[str], parser: argparse.ArgumentParser) -> int:
    from golive.cli import settings_from_args
    from golive.cli.run import _pytest, _start_sandbox

    if pytest_args and pytest_args[0] == "--":
        pytest_args = pytest_args[1:]
    if args.skip_preflight and not (args.reason or "").strip():
        parser.error("--skip-preflight needs --reason TEXT (it is recorded in the audit log)")
    if args.reason and not args.skip_preflight:
        parser.error("--reason goes with --skip-preflight")
    try:
        path, settings = settings_from_args(args)
        if settings.hooks.deploy is None:
            raise ConfigError(str(path), [("hooks.deploy", "not set; the release gate has nothing to deploy with")])
    except ConfigError as err:
        print(f"golive: {err}\ngolive: stopped before anything ran", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    skip = args.reason.strip() if args.skip_preflight else None
    if args.dry_run:
        url = settings.target.url + (" (the sandbox, started for the release)" if settings.target.sandbox else "")
        print("\n".join(plan(settings, url, skip)))
        return int(ReleaseExit.RELEASED)
    reports = reports_root()
    with contextlib.ExitStack() as stack:
        url = settings.target.url
        if settings.target.sandbox is not None:
            try:
                url = _start_sandbox(stack, settings)
            except Exception as err:
                print(f"golive: could not start the sandbox: {err}", file=sys.stderr)
                return int(ReleaseExit.REFUSED)

        def checklist(run_id: str, marks: list[str]) -> int:
            argv = [
                f"--golive-target={url}",
                "-m",
                "golive",
                f"--golive-config={path}",
                f"--golive-run-id={run_id}",
                *marks,
                *pytest_args,
                args.checks,
            ]
            return _pytest(argv)

        release = Release(
            settings,
            release_id=new_run_id(),
            reports=reports,
            checklist=checklist,
            target_url=url,
            skip_preflight=skip,
            command_line=["golive", *sys.argv[1:]],
        )
        return release.run()


def cmd_audit(args: argparse.Namespace) -> int:
    from golive.fields import safe_name

    try:
        env = safe_name(args.env, "an environment name")
    except ValueError as err:
        print(f"golive: --env: {err}", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    path = reports_root() / env / AUDIT_FILE
    if not path.exists():
        print(f"golive: no audit log at {path}", file=sys.stderr)
        return int(ExitCode.CONFIG_ERROR)
    problems = verify(path)
    entries = len(path.read_bytes().splitlines())
    if problems:
        print(f"{path}: BROKEN chain ({len(problems)} problem(s) in {entries} lines)")
        for p in problems:
            print(f"  {p}")
        return 1
    releases = {e.get("release_id") for e in AuditLog(path).entries()}
    print(f"{path}: ok — {entries} lines, {len(releases)} releases, every line carries the sha256 of the one before")
    return 0
