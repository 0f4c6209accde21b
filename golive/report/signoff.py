"""Sign-offs of a run: ``<run_dir>/signoff.jsonl``, one approval or rejection a line, each pinned to the sha256
of the report and summary it was given on.

    sign(run_dir, name="A. Approver", role="SRE lead", comment="", reject=False, waivers=())

A run that is not GO cannot be approved unless the approver names the waivers (or blockers not run) it relies
on; a rejection is always allowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from golive.report.evidence import read_summary

SIGNOFF_FILE = "signoff.jsonl"


class SignoffRefused(Exception):
    """The approval is not allowed as asked (e.g. a NO-GO run without naming what it relies on)."""


def sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def relied_on(summary: dict[str, Any]) -> list[str]:
    """What an approval of this run relies on: waived items, then every item keeping it from GO."""
    labels = [c["label"] for c in summary["checks"] if c["outcome"] == "waived"]
    if summary["verdict"] != "GO":
        labels += [
            c["label"]
            for c in summary["checks"]
            if c["severity"] == "blocker" and c["outcome"] in ("failed", "error", "inconclusive", "skipped")
        ]
    return labels


def sign(
    run_dir: Path,
    *,
    name: str,
    role: str,
    comment: str = "",
    reject: bool = False,
    waivers: tuple[str, ...] | list[str] = (),
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    if not name.strip() or not role.strip():
        raise SignoffRefused("a sign-off needs a --name and a --role")
    summary = read_summary(run_dir)
    if not reject and summary["verdict"] != "GO":
        blocking = [
            c["label"]
            for c in summary["checks"]
            if c["severity"] == "blocker" and c["outcome"] in ("failed", "error", "inconclusive", "skipped")
        ]
        missing = [label for label in blocking if not any(_names(w, label) for w in waivers)]
        if missing or not blocking:
            raise SignoffRefused(
                f"the run is {summary['verdict']}, not GO: an approval must name each item it relies on with "
                f"--waiver ID (missing: {', '.join(missing) or 'the run has no blocker to name; see its reasons'})"
            )
    report = run_dir / "report.html"
    record = {
        "decision": "rejected" if reject else "approved",
        "name": name.strip(),
        "role": role.strip(),
        "comment": comment.strip(),
        "at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "verdict": summary["verdict"],
        "relies_on": [] if reject else (sorted(set(waivers)) or relied_on(summary)),
        "summary_sha256": sha256(run_dir / "summary.json"),
        "report_sha256": sha256(report),
    }
    with (run_dir / SIGNOFF_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
    return record


def read(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / SIGNOFF_FILE
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def still_matches(record: dict[str, Any], run_dir: Path) -> bool:
    """True when summary.json is byte for byte the one signed (the report is rewritten to show the sign-off)."""
    return record.get("summary_sha256") == sha256(run_dir / "summary.json")


def _names(waiver: str, label: str) -> bool:
    return waiver == label or label.split("[", 1)[0] == waiver
