"""Single-request baselines kept per environment, and the regression rule.

Each run's medians go to ``reports/<env>/benchmarks/<run-id>.json`` together with the target URL and the server
version they were taken against. A run is compared only with earlier runs of the same target and version (a
baseline of another host, or of another Qdrant release, says nothing about this one), and against the median
of the last :data:`HISTORY` of them rather than only the newest, so one noisy run neither raises a false alarm
nor becomes the new bar (no ratchet). A median slower than that reference by more than
``load.baseline_regression`` is a regression.

    store = BaselineStore(Path("reports/production/benchmarks"), run_id="20261128T010421Z-242018",
                          target="https://qdrant.internal:6333", version="1.12.4")
    message = store.regression("query", median=0.0023, allowed=0.20)   # None, or what got slower and by how much
    store.record("query", {"median": 0.0023, ...}); store.save()
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path
from typing import Any

from golive.fields import format_duration

HISTORY = 5  # earlier runs of the same target and version whose medians make the reference


class BaselineStore:
    def __init__(self, directory: Path, run_id: str, target: str = "", version: str = "") -> None:
        self.directory = directory
        self.run_id = run_id
        self.target = target.rstrip("/")
        self.version = version
        self.current: dict[str, dict[str, float]] = {}
        self.history = self._load_history()  # oldest first, at most HISTORY runs of the same key

    @property
    def key(self) -> str:
        return f"{self.target or '?'} (server version {self.version or '?'})"

    @property
    def previous_run(self) -> str | None:
        return self.history[-1][0] if self.history else None

    def _load_history(self) -> list[tuple[str, dict[str, dict[str, float]]]]:
        runs: list[tuple[str, str, dict[str, Any]]] = []
        for path in sorted(self.directory.glob("*.json")):
            if path.stem == self.run_id:
                continue
            try:
                data = json.loads(path.read_text())
                created = str(data["created"])
            except (ValueError, KeyError, OSError, TypeError):
                continue
            # files without a key (older format) belong to no key: never compared
            if str(data.get("target", "")).rstrip("/") != self.target or str(data.get("version", "")) != self.version:
                continue
            runs.append((created, path.stem, dict(data.get("timings", {}))))
        runs.sort()
        return [(run_id, timings) for _created, run_id, timings in runs[-HISTORY:]]

    def reference(self, name: str) -> tuple[float, int] | None:
        """The median of ``name``'s medians over the matching history, and how many runs it spans."""
        medians = [float(t[name]["median"]) for _run, t in self.history if t.get(name, {}).get("median")]
        if not medians:
            return None
        return statistics.median(medians), len(medians)

    def regression(self, name: str, median: float, allowed: float) -> str | None:
        """What regressed beyond ``allowed`` (a fraction) against the reference, or ``None``."""
        ref = self.reference(name)
        if ref is None:
            return None
        before, runs = ref
        change = median / before - 1.0
        if change <= allowed:
            return None
        return (
            f"{name}: median {format_duration(median)} vs {format_duration(before)}, the median of the last "
            f"{runs} baseline{'s' * (runs > 1)} of {self.key}: {change:+.0%}, more than the {allowed:.0%} "
            "allowed (load.baseline_regression)"
        )

    def record(self, name: str, stats: dict[str, float]) -> None:
        self.current[name] = stats

    def save(self) -> Path | None:
        if not self.current:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.run_id}.json"
        created = dt.datetime.now(dt.UTC).isoformat()
        data = {
            "run_id": self.run_id,
            "created": created,
            "target": self.target,
            "version": self.version,
            "timings": self.current,
        }
        path.write_text(json.dumps(data, indent=1))
        return path
