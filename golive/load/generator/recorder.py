"""The generator process's sample sink: every request's counts and latencies, drained once a second.

Each generator process keeps one :class:`Recorder`; once a second it ``drain()``s a delta (counts plus
HdrHistograms encoded as text) that travels over locust's messaging to the master, where a
:class:`golive.load.results.Aggregate` merges them.

Three latencies are kept apart: ``latency`` (completion minus *intended* send time: coordinated omission
corrected, what the gates judge), ``service`` (completion minus actual send time) and ``server`` (Qdrant's own
``time`` field). Samples are classed by their intended send time: warm-up, steady window, or after.
"""

from __future__ import annotations

from typing import Any

from hdrh.histogram import HdrHistogram

from golive.load.histograms import COUNTERS, KINDS, Second, encode, new_histogram, to_us


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
