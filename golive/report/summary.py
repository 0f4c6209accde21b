"""The summary.json writer: ``reports/<env>/<run-id>/summary.json`` and the ``reports/<env>/latest`` link.

Schema (``schema_version`` 1): run_id, env, config, target {url, sandbox, server, swept_probe_collections,
notices, leftover_probe_collections}, started_at, finished_at,
verdict, exit_code, reasons, counts, checks [{id, label, param, nodeid, title, severity, outcome, duration,
message, waiver, properties}], evidence [paths relative to the run folder]; added later, optional for readers:
suite_version, config_sha256, ran_by (user@host), hosts {name: what the host said about itself: hostname,
os, kernel, arch, cores, memory_total, connected_as, backend}. Every string is passed through redaction of
the secrets in use.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.report.record import INCOMPLETE_MARKER, REDACTED, redact
from golive.verdict import CheckResult, Decision, counts

if TYPE_CHECKING:
    from golive.report.record import RunRecord

SCHEMA_VERSION = 1
__all__ = ["REDACTED", "SCHEMA_VERSION", "build_summary", "redact", "write_record", "write_summary"]


def build_summary(
    *,
    run_id: str,
    env: str,
    config: str,
    target: dict[str, Any],
    started_at: dt.datetime,
    finished_at: dt.datetime,
    decision: Decision,
    results: list[CheckResult],
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "env": env,
        "config": config,
        "target": target,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "duration": round((finished_at - started_at).total_seconds(), 3),
        "verdict": str(decision.verdict),
        "exit_code": int(decision.exit_code),
        "reasons": decision.reasons,
        "counts": counts(results),
        "checks": [r.as_dict() for r in results],
        "suite_version": _suite_version(),
        "config_sha256": _sha256_of(config),
        "ran_by": _ran_by(),
    }


def _suite_version() -> str:
    from golive import __version__

    return __version__


def _sha256_of(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _ran_by() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def write_record(record: RunRecord) -> Path:
    """Write the run record as ``<run_dir>/summary.json`` (redacted) and point ``latest`` at the run."""
    return write_summary(record.run_dir, record.summary(), record.secrets)


def write_summary(run_dir: Path, summary: dict[str, Any], secrets: Iterable[str] = ()) -> Path:
    """Write ``summary.json`` atomically, drop the folder's ``INCOMPLETE`` marker, point ``latest`` at it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "summary.json"
    tmp = path.with_suffix(".json.tmp")
    plain = json.loads(json.dumps(summary, default=str))  # objects become strings first, then are redacted
    tmp.write_text(json.dumps(redact(plain, secrets), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    (run_dir / INCOMPLETE_MARKER).unlink(missing_ok=True)
    point_latest(run_dir)
    return path


def point_latest(run_dir: Path) -> None:
    latest = run_dir.parent / "latest"
    tmp = run_dir.parent / f".latest-{run_dir.name}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, latest)
