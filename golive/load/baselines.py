"""Single-request baselines kept per environment, and the regression rule.

Each run's medians go to ``reports/<env>/benchmarks/<run-id>.json``; the previous baseline is the newest other
file there. A median slower than the previous one by more than ``load.baseline_regression`` is a regression.

    store = BaselineStore(Path("reports/production/benchmarks"), run_id="20261128T010421Z-242018")
    message = store.regression("query", median=0.0023, allowed=0.20)   # None, or what got slower and by how much
    store.record("query", {"median": 0.0023, ...}); store.save()
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from golive.units import format_duration


class BaselineStore:
    def __init__(self, directory: Path, run_id: str) -> None:
        self.directory = directory
        self.run_id = run_id
        self.current: dict[str, dict[str, float]] = {}
        self.previous_run, self.previous = self._load_previous()

    def _load_previous(self) -> tuple[str | None, dict[str, dict[str, float]]]:
        best: tuple[str, str, dict[str, Any]] | None = None
        for path in sorted(self.directory.glob("*.json")):
            if path.stem == self.run_id:
                continue
            try:
                data = json.loads(path.read_text())
                created = str(data["created"])
            except (ValueError, KeyError, OSError):
                continue
            if best is None or created > best[0]:
                best = (created, path.stem, data)
        if best is None:
            return None, {}
        return best[1], dict(best[2].get("timings", {}))

    def regression(self, name: str, median: float, allowed: float) -> str | None:
        """What regressed beyond ``allowed`` (a fraction) against the previous baseline, or ``None``."""
        before = self.previous.get(name, {}).get("median")
        if not before:
            return None
        change = median / before - 1.0
        if change <= allowed:
            return None
        return (
            f"{name}: median {format_duration(median)} vs {format_duration(before)} in the previous baseline "
            f"(run {self.previous_run}): {change:+.0%}, more than the {allowed:.0%} allowed (load.baseline_regression)"
        )

    def record(self, name: str, stats: dict[str, float]) -> None:
        self.current[name] = stats

    def save(self) -> Path | None:
        if not self.current:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.run_id}.json"
        created = dt.datetime.now(dt.UTC).isoformat()
        path.write_text(json.dumps({"run_id": self.run_id, "created": created, "timings": self.current}, indent=1))
        return path
