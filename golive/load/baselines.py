"""Single-request baselines kept per environment, and the regression rule.

Each run's medians (and its round times) go to ``reports/<env>/benchmarks/<run-id>.json`` together with the
target URL and the server version they were taken against. A run is compared only with earlier runs of the same
target and version (a baseline of another host, or of another Qdrant release, says nothing about this one), and
against the median of the last :data:`HISTORY` of them rather than only the newest, so one noisy run neither
raises a false alarm nor becomes the new bar (no ratchet).

A regression is judged against the history's own spread, not a fixed share of one median: with at least
:data:`MIN_SPREAD_RUNS` earlier runs, a median warns only when it is slower than the reference by more than
``load.baseline_regression`` AND by more than :data:`SPREAD_K` times the run-to-run spread (the scaled median
absolute deviation of the earlier runs' log medians, combined with this run's own scatter of its round
times). On a machine whose timings wander by tens of percent from run to run, that noise stays silent; a real
regression (several times slower) still warns. With fewer earlier runs only the fixed allowance applies.

    store = BaselineStore(Path("reports/production/benchmarks"), run_id="20261128T010421Z-242018",
                          target="https://qdrant.internal:6333", version="1.12.4")
    message = store.regression("query", median=0.0023, allowed=0.20)   # None, or what got slower and by how much
    store.record("query", {"median": 0.0023, ...}); store.save()
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from golive.fields import format_duration

HISTORY = 5  # earlier runs of the same target and version whose medians make the reference and its spread
MIN_SPREAD_RUNS = 3  # fewer earlier runs give no spread to judge by: the fixed allowance alone applies
SPREAD_K = 3.0  # how many run-to-run spreads a median must lie beyond to warn


class BaselineStore:
    def __init__(self, directory: Path, run_id: str, target: str = "", version: str = "") -> None:
        self.directory = directory
        self.run_id = run_id
        self.target = target.rstrip("/")
        self.version = version
        self.current: dict[str, dict[str, Any]] = {}
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

    def medians(self, name: str) -> list[float]:
        """``name``'s medians over the matching history, oldest first."""
        return [float(t[name]["median"]) for _run, t in self.history if t.get(name, {}).get("median")]

    def reference(self, name: str) -> tuple[float, int] | None:
        """The median of ``name``'s medians over the matching history, and how many runs it spans."""
        medians = self.medians(name)
        if not medians:
            return None
        return statistics.median(medians), len(medians)

    def regression(self, name: str, median: float, allowed: float, samples: Sequence[float] = ()) -> str | None:
        """What regressed beyond ``allowed`` (a fraction) and beyond the history's spread, or ``None``;
        ``samples`` are this run's round times (their scatter widens the bar)."""
        ref = self.reference(name)
        if ref is None or median <= 0:
            return None
        before, runs = ref
        change = median / before - 1.0
        bar = math.log1p(allowed)
        spread = run_spread(self.medians(name), samples)
        if spread is not None:
            bar = max(bar, SPREAD_K * spread)
        if math.log(median / before) <= bar:
            return None
        beyond = ""
        if spread is not None:
            beyond = f" and beyond {SPREAD_K:g}x the run-to-run spread (±{math.expm1(spread):.0%})"
        return (
            f"{name}: median {format_duration(median)} vs {format_duration(before)}, the median of the last "
            f"{runs} baseline{'s' * (runs > 1)} of {self.key}: {change:+.0%}, more than the {allowed:.0%} "
            f"allowed (load.baseline_regression){beyond}"
        )

    def record(self, name: str, stats: dict[str, Any]) -> None:
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


def run_spread(history_medians: Sequence[float], samples: Sequence[float] = ()) -> float | None:
    """The spread a new median is judged against, on a log scale: 1.4826 x the median absolute deviation of the
    earlier runs' log medians (a robust standard deviation of the run-to-run wander), combined with this run's
    own robust spread (IQR / 1.349 of its log round times: a run taken on a busy machine scatters, and its
    median says less); ``None`` with fewer than ``MIN_SPREAD_RUNS`` earlier runs."""
    logs = [math.log(m) for m in history_medians if m > 0]
    if len(logs) < MIN_SPREAD_RUNS:
        return None
    center = statistics.median(logs)
    between = 1.4826 * statistics.median(abs(x - center) for x in logs)
    own = 0.0
    positive = sorted(math.log(x) for x in samples if x > 0)
    if len(positive) >= 8:
        q1, _, q3 = statistics.quantiles(positive, n=4)
        own = (q3 - q1) / 1.349
    return math.hypot(between, own)
