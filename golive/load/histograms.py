"""HdrHistograms at microsecond resolution: the one way the suite turns raw latencies into percentiles.

Both sides of the load engine use this module: the generator's recorder fills histograms per process and sends
them encoded as text; the master's aggregate and the result reader decode, merge and summarize them::

    hist = new_histogram()
    hist.record_value(to_us(0.0042))
    summarize(hist)["p95"]   # seconds, the middle of the 0.1 %-wide bucket

Pure (hdrh and numpy): no gevent, no locust.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour: anything slower is clamped
SIGNIFICANT_DIGITS = 3  # 0.1 % resolution; 1 µs steps below 2 ms
PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99.9": 99.9}
KINDS = ("latency", "service", "server")
COUNTERS = ("scheduled", "sent", "ok", "errors", "late", "late_pool", "sent_in_window", "ok_in_window")


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def to_us(seconds: float) -> int:
    return min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6)))


def encode(hist: HdrHistogram) -> str:
    return bytes(hist.encode()).decode("ascii")


def decode_into(hist: HdrHistogram, text: str) -> None:
    if text:
        hist.decode_and_add(text.encode("ascii"))


def _equivalents(hist: HdrHistogram) -> tuple[Any, Any]:
    """(lowest, median) equivalent value of every counts index, vectorized (hdrh's own loops are Python)."""
    key = (hist.counts_len, hist.sub_bucket_half_count_magnitude, hist.unit_magnitude)
    cached = _EQUIVALENTS.get(key)
    if cached is None:
        idx = np.arange(hist.counts_len, dtype=np.int64)
        bucket = (idx >> hist.sub_bucket_half_count_magnitude) - 1
        sub = (idx & (hist.sub_bucket_half_count - 1)) + hist.sub_bucket_half_count
        sub = np.where(bucket < 0, sub - hist.sub_bucket_half_count, sub)
        bucket = np.maximum(bucket, 0)
        shift = bucket + hist.unit_magnitude
        lowest = sub << shift
        cached = _EQUIVALENTS[key] = (lowest, lowest + ((np.int64(1) << shift) >> 1))
    return cached


_EQUIVALENTS: dict[tuple[int, int, int], tuple[Any, Any]] = {}


def summarize(hist: HdrHistogram) -> dict[str, float | int | None]:
    """``{"count", "p50", ..., "p99.9", "max", "mean"}`` in seconds (``None`` without samples).

    A percentile is the middle of its histogram bucket (buckets are 0.1 % wide; 1 µs below 2 ms)."""
    count = int(hist.get_total_count())
    out: dict[str, float | int | None] = {"count": count}
    if count == 0:
        out.update(dict.fromkeys([*PERCENTILES, "max", "mean"]))
        return out
    counts = np.ctypeslib.as_array(hist.counts)[: hist.counts_len].astype(np.int64)
    cumulative = np.cumsum(counts)
    _lowest, median = _equivalents(hist)
    for name, pct in PERCENTILES.items():
        target = max(1, int(pct * count / 100 + 0.5))
        index = int(np.searchsorted(cumulative, target))
        out[name] = float(median[index]) / 1e6
    out["max"] = hist.get_max_value() / 1e6
    out["mean"] = float(np.dot(counts, median)) / count / 1e6
    return out


@dataclass
class Second:
    """One wall-clock second of completions (by completion time): the live progress and the CSV series."""

    ok: int = 0
    errors: int = 0
    late: int = 0
    hist: HdrHistogram = field(default_factory=new_histogram)

    def to_wire(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "late": self.late, "hist": encode(self.hist)}

    def add_wire(self, data: Mapping[str, Any]) -> None:
        self.ok += int(data["ok"])
        self.errors += int(data["errors"])
        self.late += int(data["late"])
        decode_into(self.hist, str(data["hist"]))


def percentile_of(samples: Iterable[float], pct: float) -> float:
    """Percentile of raw seconds through the same histogram the engine uses (for tests and benchmarks)."""
    hist = new_histogram()
    for s in samples:
        hist.record_value(to_us(s))
    count = int(hist.get_total_count())
    cumulative = np.cumsum(np.ctypeslib.as_array(hist.counts)[: hist.counts_len].astype(np.int64))
    index = int(np.searchsorted(cumulative, max(1, int(pct * count / 100 + 0.5))))
    return float(_equivalents(hist)[1][index]) / 1e6
