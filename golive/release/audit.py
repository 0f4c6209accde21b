"""The release audit log: ``reports/<env>/audit.jsonl``, append-only, one JSON line per release step.

    log = AuditLog(reports / "prod" / "audit.jsonl")
    log.append({"release_id": rid, "step": "deploy", "exit_code": 0, ...})
    problems = verify(log.path)          # [] when the chain holds

Each line carries ``seq`` (1, 2, ...) and ``prev_sha256``, the sha256 of the previous line's bytes (64 zeros
on the first line), so an edited, removed or reordered line breaks the chain at that point. Appends take an
``flock`` on the file so two writers never interleave or fork the chain. (Cutting lines off the END leaves a
valid shorter chain; keep a copy of the log elsewhere, e.g. the CI artefact, to see that too.)
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
AUDIT_FILE = "audit.jsonl"


def line_sha256(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Append ``entry`` with its time, ``seq`` and ``prev_sha256``; return the line as written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        with os.fdopen(fd, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            last = b""
            seq = 0
            for raw in fh:
                if raw.strip():
                    last, seq = raw, seq + 1
            line = {
                "seq": seq + 1,
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                **entry,
                "prev_sha256": line_sha256(last) if last else GENESIS,
            }
            fh.write(json.dumps(line, sort_keys=False, default=str).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return line

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(raw) for raw in self.path.read_bytes().splitlines() if raw.strip()]


def verify(path: Path) -> list[str]:
    """Every break in the chain, as ``line N: what``; [] when every line follows its predecessor."""
    if not path.exists():
        return [f"{path}: no audit log"]
    problems: list[str] = []
    previous: bytes | None = None
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        if not raw.strip():
            problems.append(f"line {number}: empty line")
            continue
        try:
            line = json.loads(raw)
        except ValueError as err:
            problems.append(f"line {number}: not JSON ({err})")
            previous = raw
            continue
        expected = line_sha256(previous) if previous is not None else GENESIS
        if line.get("prev_sha256") != expected:
            problems.append(
                f"line {number} (seq {line.get('seq')}, step {line.get('step')}): prev_sha256 does not match the "
                "line before it: a line was edited, removed or inserted"
            )
        if line.get("seq") != number:
            problems.append(f"line {number}: seq is {line.get('seq')}, expected {number}")
        previous = raw
    return problems


def open_releases(entries: list[dict[str, Any]]) -> list[str]:
    """Release ids with a ``start`` line and no ``end`` line (a release that died without finishing)."""
    started: dict[str, None] = {}
    for e in entries:
        if e.get("step") == "start":
            started[str(e.get("release_id"))] = None
        elif e.get("step") in ("end", "interrupted"):
            started.pop(str(e.get("release_id")), None)
    return list(started)
