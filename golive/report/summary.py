"""``reports/<env>/<run-id>/summary.json`` and the ``reports/<env>/latest`` link to the newest run.

Schema (``schema_version`` 1): run_id, env, config, target {url, sandbox, server}, started_at, finished_at,
verdict, exit_code, reasons, counts, checks [{id, label, param, nodeid, title, severity, outcome, duration,
message, waiver, properties}]. Every string is passed through redaction of the secrets in use.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets as _secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from golive.verdict import CheckResult, Decision, counts

SCHEMA_VERSION = 1
REDACTED = "***"


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261128T004412Z-3fa2c1``: sortable by time, unique across parallel runs."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{_secrets.token_hex(3)}"


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every secret value inside strings, lists, tuples and dicts (keys too) with ``***``."""
    # longest first, so a secret that contains a shorter one is not left half visible
    secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list | tuple):
        return [redact(v, secrets) for v in value]
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    return value


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
    }


def write_summary(run_dir: Path, summary: dict[str, Any], secrets: Iterable[str] = ()) -> Path:
    """Write ``summary.json`` atomically and point ``<env dir>/latest`` at this run."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "summary.json"
    tmp = path.with_suffix(".json.tmp")
    plain = json.loads(json.dumps(summary, default=str))  # objects become strings first, then are redacted
    tmp.write_text(json.dumps(redact(plain, secrets), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    point_latest(run_dir)
    return path


def point_latest(run_dir: Path) -> None:
    latest = run_dir.parent / "latest"
    tmp = run_dir.parent / f".latest-{run_dir.name}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, latest)
