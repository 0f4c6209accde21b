"""What a load run sends back to its driver, and reading it: progress lines, the master's aggregate, the result.

The generator processes' deltas (:mod:`golive.load.generator.recorder`) are merged by an :class:`Aggregate` in
the master (or the single local runner); ``Aggregate.to_dict()`` is the result file; :class:`LoadResult` reads
it back (without locust or gevent) and answers the gate metrics::

    result = LoadResult.from_dict(json.loads(path.read_text()))
    result.metric("p95")        # seconds, latency measured from the intended send time
    result.metric("throughput") # successful responses completed per second within the steady window
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram

from golive.load.histograms import COUNTERS, KINDS, Second, decode_into, encode, new_histogram, summarize

PROGRESS_PREFIX = "GOLIVE-PROGRESS "  # a generator's stdout line carrying one second's progress as JSON


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
