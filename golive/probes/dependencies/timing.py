"""Short timed bursts: ``Burst.of([0.0004, 0.0005, ...])`` -> p50, p99, max over the samples (seconds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from golive.fields import format_duration


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty sample: a value that was actually measured."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Burst:
    count: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Burst:
        if not samples:
            raise ValueError("a burst needs at least one sample")
        return cls(len(samples), percentile(samples, 0.50), percentile(samples, 0.99), max(samples))

    def __str__(self) -> str:
        return (
            f"p50 {format_duration(self.p50)}, p99 {format_duration(self.p99)}, max {format_duration(self.max)} "
            f"over {self.count}"
        )

    def over(self, p50: float | None, p99: float | None) -> list[str]:
        """The bounds this burst exceeds, as ``"p99 12.00 ms > 10.00 ms"``; empty when within them."""
        found = []
        for name, measured, bound in (("p50", self.p50, p50), ("p99", self.p99, p99)):
            if bound is not None and measured >= bound:
                found.append(f"{name} {format_duration(measured)} >= {format_duration(bound)}")
        return found
