"""Reading a run folder back: the summary, the load evidence and the pytest-benchmark baselines.

Writers read only these (the run record and its evidence), never the live session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUMMARY = "summary.json"


class RunFolderError(Exception):
    """The folder is not a golive run folder (no readable summary.json)."""


def read_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / SUMMARY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{run_dir} is not a golive run folder: it has no {SUMMARY}") from None
    except (OSError, json.JSONDecodeError) as err:
        raise RunFolderError(f"{path} cannot be read: {err}") from None
    if not isinstance(data, dict) or "verdict" not in data or "checks" not in data:
        raise RunFolderError(f"{path} is not a golive summary (no verdict or checks)")
    return data


def load_result(run_dir: Path) -> dict[str, Any]:
    """``load/result.json`` of the run, or ``{}`` when the load gates did not run."""
    path = run_dir / "load" / "result.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def baselines(env_dir: Path) -> list[dict[str, Any]]:
    """Every baseline file under ``<env>/benchmarks/`` (pytest-benchmark medians per operation), oldest first."""
    out = []
    for path in sorted((env_dir / "benchmarks").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("timings"), dict):
            out.append(data)
    return sorted(out, key=lambda d: str(d.get("created")))


def area_of(check: dict[str, Any]) -> str:
    """``checks/test_collections.py::...`` -> ``collections``; else the id's middle part (GL-SEC-002 -> sec)."""
    nodeid = str(check.get("nodeid", ""))
    stem = Path(nodeid.split("::", 1)[0]).stem
    if stem.startswith("test_"):
        return stem.removeprefix("test_")
    parts = str(check.get("id", "")).split("-")
    return parts[1].lower() if len(parts) == 3 else "other"


def gate_value(gate: dict[str, Any]) -> str:
    """A gate's measured value in its own unit: ms for latency, % for errors, /s for throughput."""
    value, text = gate.get("measured"), str(gate.get("gate", ""))
    if not isinstance(value, int | float):
        return "-"
    if text.startswith("errors"):
        return f"{value * 100:.3f} %"
    if text.startswith("throughput"):
        return f"{value:.1f} /s"
    return f"{value * 1000:.2f} ms"
