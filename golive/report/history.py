"""Each environment's append-only run index ``reports/<env>/history.jsonl``: one line per finished run.

append(run_dir, summary)                   # after summary.json is written
runs = read(env_dir)                       # oldest first
changes = compare(previous_checks, summary)  # newly failing, fixed, new items
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Any

from golive.report.evidence import gate_value, load_result

HISTORY_FILE = "history.jsonl"
BAD = ("failed", "error", "inconclusive")


def entry(summary: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """The index line of one run: id, time, verdict, counts, gate figures, server version, item outcomes."""
    load = load_result(run_dir)
    gates = [{"gate": g["gate"], "measured": g["measured"], "passed": g["passed"]} for g in load.get("gates", [])]
    server = summary.get("target", {}).get("server") or {}
    return {
        "run_id": summary["run_id"],
        "started_at": summary["started_at"],
        "duration": summary.get("duration"),
        "verdict": summary["verdict"],
        "counts": summary.get("counts", {}),
        "gates": gates,
        "target": summary.get("target", {}).get("url"),
        "server_version": server.get("version"),
        "outcomes": {c["label"]: c["outcome"] for c in summary.get("checks", [])},
    }


def append(run_dir: Path, summary: dict[str, Any]) -> Path:
    """Add the run to its environment's index (once: a regenerated report does not append again)."""
    path = run_dir.parent / HISTORY_FILE
    line = json.dumps(entry(summary, run_dir), sort_keys=True)
    with path.open("a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # parallel runs of one environment append whole lines
        fh.seek(0)
        if any(json.loads(old).get("run_id") == summary["run_id"] for old in fh if old.strip()):
            return path
        fh.write(line + "\n")
    return path


def read(env_dir: Path) -> list[dict[str, Any]]:
    """Every run of the environment, oldest first; an unreadable line is skipped, not fatal."""
    path = env_dir / HISTORY_FILE
    if not path.exists():
        return []
    runs = []
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(text))
        except json.JSONDecodeError:
            continue
    return sorted(runs, key=lambda r: str(r.get("started_at")))


def previous(runs: list[dict[str, Any]], run_id: str) -> dict[str, Any] | None:
    """The run of this environment just before ``run_id``."""
    ids = [r["run_id"] for r in runs]
    before = runs[: ids.index(run_id)] if run_id in ids else runs
    return before[-1] if before else None


def compare(before: dict[str, str] | None, summary: dict[str, Any]) -> dict[str, list[str]]:
    """What changed since the previous run: items newly failing, fixed, new, and gone."""
    now = {c["label"]: c["outcome"] for c in summary.get("checks", [])}
    if before is None:
        return {"newly_failing": [], "fixed": [], "new": [], "gone": []}
    return {
        "newly_failing": sorted(k for k, v in now.items() if v in BAD and before.get(k) not in BAD and k in before),
        "fixed": sorted(k for k, v in now.items() if v not in BAD and before.get(k) in BAD),
        "new": sorted(set(now) - set(before)),
        "gone": sorted(set(before) - set(now)),
    }


def table(runs: list[dict[str, Any]]) -> list[str]:
    """``golive history`` lines: one run a line, newest last."""
    lines = [f"{'run':<24} {'started':<20} {'verdict':<12} {'server':<10} counts / gates"]
    for r in runs:
        counts = " ".join(f"{k} {v}" for k, v in sorted(r.get("counts", {}).items()))
        gates = "; ".join(f"{g['gate']}: {gate_value(g)}{'' if g['passed'] else ' FAILED'}" for g in r.get("gates", []))
        started = str(r.get("started_at", ""))[:19].replace("T", " ")
        lines.append(
            f"{r['run_id']:<24} {started:<20} {r['verdict']:<12} {r.get('server_version') or '-':<10} {counts}"
            + (f" | {gates}" if gates else "")
        )
    return lines
