"""Latency statistics from raw samples at microsecond resolution, mergeable across processes.

Every generator process keeps a :class:`Recorder`; once a second it ``drain()``s a delta (counts plus
HdrHistograms encoded as text) that travels over locust's messaging to the master, where an
:class:`Aggregate` merges them. ``Aggregate.to_dict()`` is the result file; :class:`LoadResult` reads it back
(without locust or gevent) and answers the gate metrics::

    result = LoadResult.from_dict(json.loads(path.read_text()))
    result.metric("p95")        # seconds, latency measured from the intended send time
    result.metric("throughput") # successful responses completed per second within the steady window

Three latencies are kept apart: ``latency`` (completion minus *intended* send time: coordinated omission
corrected, what the gates judge), ``service`` (completion minus actual send time) and ``server`` (Qdrant's own
``time`` field). Samples are classed by their intended send time: warm-up, steady window, or after.
"""

from __future__ import annotations

import math
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


class Recorder:
    """Per-process sample sink. Times are wall-clock seconds (``time.time()`` base) so processes agree.

    ``window`` is ``(steady_start, steady_end)``: samples whose intended send time falls in it count for the
    gates; earlier ones are warm-up, later ones are ignored.
    """

    def __init__(self, window: tuple[float, float], tolerance: float) -> None:
        self.window = window
        self.tolerance = tolerance
        self.inflight = 0
        self._reset()

    def on_not_sent(self, intended: float) -> None:
        """A slot of the schedule that no user took before the run ended."""
        if self.phase(intended) == "steady":
            self.counts["scheduled"] += 1
            self.not_sent += 1

    def _reset(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.warmup_counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.hists: dict[str, HdrHistogram] = {kind: new_histogram() for kind in KINDS}
        self.error_kinds: dict[str, int] = {}  # steady window only, like the counts the gates judge
        self.warmup_error_kinds: dict[str, int] = {}
        self.seconds: dict[int, Second] = {}
        self.cpu: dict[int, float] = {}
        self.not_sent = 0

    def phase(self, intended: float) -> str:
        start, end = self.window
        if intended < start:
            return "warmup"
        return "steady" if intended < end else "after"

    def _counts_for(self, intended: float) -> dict[str, int] | None:
        phase = self.phase(intended)
        if phase == "steady":
            return self.counts
        return self.warmup_counts if phase == "warmup" else None

    def on_scheduled(self, intended: float, n: int = 1) -> None:
        counts = self._counts_for(intended)
        if counts is not None:
            counts["scheduled"] += n

    def on_sent(self, intended: float, lateness: float, pool_exhausted: bool) -> bool:
        """Count a request as sent; returns whether it left later than the tolerance allows."""
        self.inflight += 1
        late = lateness > self.tolerance
        if self.window[0] <= intended + lateness < self.window[1]:
            self.counts["sent_in_window"] += 1  # by actual send time: the achieved rate
        counts = self._counts_for(intended)
        if counts is not None:
            counts["sent"] += 1
            if late:
                counts["late"] += 1
                if pool_exhausted:
                    counts["late_pool"] += 1
        return late

    def on_done(
        self,
        intended: float,
        completed: float,
        service: float,
        server: float | None,
        error: str | None,
        late: bool = False,
    ) -> None:
        """One response (or failure). Latency runs from the intended send time, or from the actual send
        time for a request that left early (``completed - service``)."""
        self.inflight -= 1
        latency = completed - min(intended, completed - service)
        second = self.seconds.get(int(completed))
        if second is None:
            second = self.seconds[int(completed)] = Second()
        if error is None:
            second.ok += 1
            second.hist.record_value(to_us(latency))
            if self.window[0] <= completed < self.window[1]:
                self.counts["ok_in_window"] += 1  # by completion time: the throughput the target delivered
        else:
            second.errors += 1
        if late:
            second.late += 1
        counts = self._counts_for(intended)
        if counts is None:
            return
        if error is not None:
            counts["errors"] += 1
            kinds = self.error_kinds if counts is self.counts else self.warmup_error_kinds
            kinds[error] = kinds.get(error, 0) + 1
            return
        counts["ok"] += 1
        if counts is self.counts:
            self.hists["latency"].record_value(to_us(latency))
            self.hists["service"].record_value(to_us(service))
            if server is not None:
                self.hists["server"].record_value(to_us(server))

    def on_cpu(self, second: int, percent: float) -> None:
        self.cpu[second] = percent

    def drain(self, before: float | None = None) -> dict[str, Any]:
        """Everything recorded since the last drain, as a JSON/msgpack-able delta; per-second buckets only
        for seconds that ended before ``before`` (all of them when ``None``)."""
        keep = {s: b for s, b in self.seconds.items() if before is not None and s >= int(before)}
        done = {s: b for s, b in self.seconds.items() if s not in keep}
        delta = {
            "counts": self.counts,
            "warmup_counts": self.warmup_counts,
            "hists": {kind: encode(h) for kind, h in self.hists.items()},
            "error_kinds": self.error_kinds,
            "warmup_error_kinds": self.warmup_error_kinds,
            "seconds": {str(s): b.to_wire() for s, b in done.items()},
            "cpu": {str(s): c for s, c in self.cpu.items()},
            "inflight": self.inflight,
            "not_sent": self.not_sent,
        }
        inflight = self.inflight
        self._reset()
        self.inflight = inflight
        self.seconds = keep
        return delta


class Aggregate:
    """Merges drained deltas from every generator process (the master's view, or the local runner's)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.warmup_counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.hists: dict[str, HdrHistogram] = {kind: new_histogram() for kind in KINDS}
        self.error_kinds: dict[str, int] = {}
        self.warmup_error_kinds: dict[str, int] = {}
        self.seconds: dict[int, Second] = {}
        self.cpu: dict[str, dict[int, float]] = {}
        self.inflight: dict[str, int] = {}
        self.not_sent = 0

    def add(self, source: str, delta: Mapping[str, Any]) -> None:
        for key in COUNTERS:
            self.counts[key] += int(delta["counts"].get(key, 0))
            self.warmup_counts[key] += int(delta["warmup_counts"].get(key, 0))
        for kind in KINDS:
            decode_into(self.hists[kind], str(delta["hists"][kind]))
        for kind, n in delta["error_kinds"].items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + int(n)
        for kind, n in delta.get("warmup_error_kinds", {}).items():
            self.warmup_error_kinds[kind] = self.warmup_error_kinds.get(kind, 0) + int(n)
        for sec, data in delta["seconds"].items():
            self.seconds.setdefault(int(sec), Second()).add_wire(data)
        self.cpu.setdefault(source, {}).update({int(s): float(c) for s, c in delta["cpu"].items()})
        self.inflight[source] = int(delta["inflight"])
        self.not_sent += int(delta.get("not_sent", 0))

    def total_inflight(self) -> int:
        return sum(self.inflight.values())

    def series(self, t0: float) -> list[dict[str, Any]]:
        rows = []
        for sec in sorted(self.seconds):
            b = self.seconds[sec]
            stats = summarize(b.hist)
            cpus = [c[sec] for c in self.cpu.values() if sec in c]
            rows.append(
                {
                    "second": sec,
                    "elapsed": sec - math.floor(t0),
                    "ok": b.ok,
                    "errors": b.errors,
                    "late": b.late,
                    "p50": stats["p50"],
                    "p95": stats["p95"],
                    "p99": stats["p99"],
                    "max": stats["max"],
                    "cpu_max": max(cpus) if cpus else None,
                }
            )
        return rows

    def steady_cpu(self, window: tuple[float, float]) -> dict[str, float]:
        """Mean CPU percent (of one core) per generator process over the steady window."""
        out = {}
        for source, samples in self.cpu.items():
            values = [c for s, c in samples.items() if window[0] <= s < window[1]] or list(samples.values())
            if values:
                out[source] = sum(values) / len(values)
        return out

    def to_dict(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        window = (float(meta["window"][0]), float(meta["window"][1]))
        counts = dict(self.counts)
        unfinished = max(0, counts["sent"] - counts["ok"] - counts["errors"])
        return {
            **meta,
            "counts": {**counts, "unfinished": unfinished, "not_sent": self.not_sent},
            "warmup_counts": self.warmup_counts,
            "summary": {kind: summarize(h) for kind, h in self.hists.items()},
            "histograms": {kind: encode(h) for kind, h in self.hists.items()},
            "error_kinds": self.error_kinds,
            "warmup_error_kinds": self.warmup_error_kinds,
            "generator_cpu": self.steady_cpu(window),
            "series": self.series(float(meta["t0"])),
        }


@dataclass
class LoadResult:
    """A finished (or interrupted) run as read back from its JSON: the numbers gates are judged on."""

    data: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadResult:
        return cls(data)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    @property
    def rate(self) -> float:
        return float(self.data["rate"])

    @property
    def window_seconds(self) -> float:
        start, end = self.data["window"]
        return float(end) - float(start)

    def histogram(self, kind: str = "latency") -> HdrHistogram:
        hist = new_histogram()
        decode_into(hist, str(self.data["histograms"][kind]))
        return hist

    def summary(self, kind: str = "latency") -> dict[str, float | int | None]:
        return dict(self.data["summary"][kind])

    @property
    def interrupted(self) -> bool:
        return bool(self.data.get("interrupted"))

    @property
    def unanswered_errors(self) -> int:
        """Requests still unanswered at the end that count as errors: all of them after a run that ended on its
        own (the target did not answer in time); none after an interrupted one, whose stop cut them off (they
        are reported as unfinished instead)."""
        return 0 if self.interrupted else self.counts["unfinished"]

    @property
    def failed(self) -> int:
        """Errors the gates count: failed responses plus :attr:`unanswered_errors`."""
        return self.counts["errors"] + self.unanswered_errors

    @property
    def completed(self) -> int:
        return self.counts["ok"] + self.failed

    @property
    def error_rate(self) -> float:
        return self.failed / self.completed if self.completed else 1.0

    @property
    def throughput(self) -> float:
        """Successful responses completed per second: the successes whose *completion* time fell inside the
        steady window, divided by its length. What the target actually delivered, not the intended rate scaled
        by a success share (a target that can only do 780/s measures 780/s however the schedule looked)."""
        c = self.counts
        if not self.window_seconds:
            return 0.0
        return c.get("ok_in_window", c["ok"]) / self.window_seconds

    @property
    def sent_rate(self) -> float:
        """Requests actually sent per second during the steady window (achieved, vs the intended rate)."""
        c = self.counts
        sent = c.get("sent_in_window", c["sent"])
        return sent / self.window_seconds if self.window_seconds else 0.0

    @property
    def behind(self) -> float:
        """Share of scheduled requests sent late beyond the tolerance or not sent at all."""
        c = self.counts
        if not c["scheduled"]:
            return 0.0
        return (c["late"] + c["not_sent"]) / c["scheduled"]

    def metric(self, name: str) -> float:
        """The value a :class:`~golive.load.slo.Gate` of that metric is judged on (``inf`` when no sample)."""
        if name == "throughput":
            return self.throughput
        if name == "errors":
            return self.error_rate
        value = self.summary("latency").get(name)
        return math.inf if value is None else float(value)


def percentile_of(samples: Iterable[float], pct: float) -> float:
    """Percentile of raw seconds through the same histogram the engine uses (for tests and benchmarks)."""
    hist = new_histogram()
    for s in samples:
        hist.record_value(to_us(s))
    count = int(hist.get_total_count())
    cumulative = np.cumsum(np.ctypeslib.as_array(hist.counts)[: hist.counts_len].astype(np.int64))
    index = int(np.searchsorted(cumulative, max(1, int(pct * count / 100 + 0.5))))
    return float(_equivalents(hist)[1][index]) / 1e6
