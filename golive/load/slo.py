"""Declarative SLO gates as written in the config: ``p95 < 10ms``, ``throughput >= 1000/s``, ``errors < 0.1%``.

``Gate.parse("p95 < 10ms")`` gives ``Gate(metric="p95", op="<", target=0.01, unit="s")``. Latency metrics
are in seconds, throughput in requests per second, errors as a fraction of requests.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from golive.fields import format_duration, parse_duration, parse_percent, parse_rate

Unit = Literal["s", "rps", "fraction"]

LATENCY_METRICS = ("p50", "p90", "p95", "p99", "p99.9", "max", "mean")
THROUGHPUT_METRICS = ("throughput",)
ERROR_METRICS = ("errors",)
_ALIASES = {"rps": "throughput", "error_rate": "errors", "p999": "p99.9", "median": "p50"}
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_GATE_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>)\s*(.+?)\s*$")
GATE_HINT = (
    "a gate such as 'p95 < 10ms', 'throughput >= 1000/s' or 'errors < 0.1%' "
    f"(metrics: {', '.join(LATENCY_METRICS + THROUGHPUT_METRICS + ERROR_METRICS)})"
)


@dataclass(frozen=True)
class Gate:
    """One declarative threshold; ``gate.holds(measured)`` says whether a measurement meets it."""

    metric: str
    op: str
    target: float
    unit: Unit
    text: str

    @classmethod
    def parse(cls, text: str) -> Gate:
        if not isinstance(text, str):
            raise ValueError(f"expected {GATE_HINT}, got {text!r}")
        match = _GATE_RE.match(text)
        if not match:
            raise ValueError(f"expected {GATE_HINT}, got {text!r}")
        metric, op, value = match.groups()
        metric = _ALIASES.get(metric.lower(), metric.lower())
        unit: Unit
        try:
            if metric in LATENCY_METRICS:
                unit, target = "s", parse_duration(value)
            elif metric in THROUGHPUT_METRICS:
                unit, target = "rps", parse_rate(value)
            elif metric in ERROR_METRICS:
                unit, target = "fraction", parse_percent(value)
            else:
                raise ValueError(f"unknown metric {metric!r}: expected {GATE_HINT}")
        except ValueError as err:
            raise ValueError(f"in gate {text.strip()!r}: {err}") from None
        if target <= 0 and not (metric in ERROR_METRICS and op == "<="):
            raise ValueError(f"in gate {text.strip()!r}: a target of zero can never be met or never fail; {GATE_HINT}")
        return cls(metric=metric, op=op, target=target, unit=unit, text=text.strip())

    def holds(self, measured: float) -> bool:
        return _OPS[self.op](measured, self.target)

    def format_value(self, value: float) -> str:
        if self.unit == "s":
            return format_duration(value)
        if self.unit == "rps":
            return f"{value:,.1f} req/s"
        return f"{value * 100:.3g}%"

    def margin(self, measured: float) -> float:
        """Signed headroom in the gate's unit: positive when the gate holds with room to spare."""
        return self.target - measured if self.op in ("<", "<=") else measured - self.target

    def describe(self, measured: float) -> str:
        """``p95 < 10ms: measured 9.60 ms, target 10.00 ms, margin 0.40 ms`` (the message approvers read)."""
        margin = self.margin(measured)
        sign = "" if margin >= 0 else "-"
        return (
            f"{self.text}: measured {self.format_value(measured)}, target {self.format_value(self.target)}, "
            f"margin {sign}{self.format_value(abs(margin))}"
        )

    def __str__(self) -> str:
        return self.text
