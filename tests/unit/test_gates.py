"""golive.load.slo.Gate: the declarative thresholds of the config, parsed, judged and described."""

from __future__ import annotations

import re

import pytest

from golive.load.slo import GATE_HINT, Gate


@pytest.mark.parametrize(
    ("text", "metric", "op", "target", "unit"),
    [
        ("p50 < 2ms", "p50", "<", 0.002, "s"),
        ("p90 <= 5ms", "p90", "<=", 0.005, "s"),
        ("p95 < 10ms", "p95", "<", 0.01, "s"),
        ("p99 < 25ms", "p99", "<", 0.025, "s"),
        ("p99.9 < 100ms", "p99.9", "<", 0.1, "s"),
        ("max < 1s", "max", "<", 1.0, "s"),
        ("mean < 800us", "mean", "<", 0.0008, "s"),
        ("throughput >= 1000/s", "throughput", ">=", 1000.0, "rps"),
        ("throughput > 500 rps", "throughput", ">", 500.0, "rps"),
        ("errors < 0.1%", "errors", "<", 0.001, "fraction"),
        # aliases and case
        ("rps >= 1000", "throughput", ">=", 1000.0, "rps"),
        ("error_rate <= 1%", "errors", "<=", 0.01, "fraction"),
        ("p999 < 50ms", "p99.9", "<", 0.05, "s"),
        ("median < 3ms", "p50", "<", 0.003, "s"),
        ("P95<10ms", "p95", "<", 0.01, "s"),
        ("RPS>=1000/s", "throughput", ">=", 1000.0, "rps"),
    ],
)
def test_parse(text: str, metric: str, op: str, target: float, unit: str) -> None:
    gate = Gate.parse(f"  {text} ")
    assert (gate.metric, gate.op, gate.unit, gate.text) == (metric, op, unit, text)
    assert gate.target == pytest.approx(target)
    assert str(gate) == text


@pytest.mark.parametrize(
    ("text", "measured", "holds"),
    [
        ("p95 < 10ms", 0.0099, True),
        ("p95 < 10ms", 0.010, False),
        ("p95 <= 10ms", 0.010, True),
        ("p95 <= 10ms", 0.0101, False),
        ("throughput > 1000/s", 1000.0, False),
        ("throughput > 1000/s", 1000.1, True),
        ("throughput >= 1000/s", 1000.0, True),
        ("throughput >= 1000/s", 999.9, False),
        ("errors < 0.1%", 0.0, True),
        ("errors < 0.1%", 0.001, False),
    ],
)
def test_holds(text: str, measured: float, holds: bool) -> None:
    assert Gate.parse(text).holds(measured) is holds


@pytest.mark.parametrize(
    ("text", "measured", "description"),
    [
        ("p95 < 10ms", 0.0096, "p95 < 10ms: measured 9.60 ms, target 10.00 ms, margin 400 µs"),
        ("p95 < 10ms", 0.0125, "p95 < 10ms: measured 12.50 ms, target 10.00 ms, margin -2.50 ms"),
        (
            "throughput >= 1000/s",
            1250.0,
            "throughput >= 1000/s: measured 1,250.0 req/s, target 1,000.0 req/s, margin 250.0 req/s",
        ),
        (
            "throughput >= 1000/s",
            940.5,
            "throughput >= 1000/s: measured 940.5 req/s, target 1,000.0 req/s, margin -59.5 req/s",
        ),
        ("errors < 0.1%", 0.0025, "errors < 0.1%: measured 0.25%, target 0.1%, margin -0.15%"),
        ("errors < 1%", 0.0, "errors < 1%: measured 0%, target 1%, margin 1%"),
    ],
)
def test_describe_shows_measured_target_and_signed_margin(text: str, measured: float, description: str) -> None:
    assert Gate.parse(text).describe(measured) == description


def test_margin_is_positive_when_the_gate_holds() -> None:
    assert Gate.parse("p95 < 10ms").margin(0.004) == pytest.approx(0.006)
    assert Gate.parse("throughput >= 1000/s").margin(900) == pytest.approx(-100)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95 10ms", f"expected {GATE_HINT}, got 'p95 10ms'"),
        ("p95 == 10ms", f"expected {GATE_HINT}, got 'p95 == 10ms'"),
        ("", f"expected {GATE_HINT}, got ''"),
        ("p42 < 10ms", f"in gate 'p42 < 10ms': unknown metric 'p42': expected {GATE_HINT}"),
        ("p95 < fast", "in gate 'p95 < fast': expected a duration such as 250ms, 5s, 10m or 26h, got 'fast'"),
        ("throughput >= lots", "in gate 'throughput >= lots': expected a rate such as 1000/s, got 'lots'"),
        (
            "errors < 0.1",
            "in gate 'errors < 0.1': expected a percentage such as 0.1% or 85%, got '0.1'",
        ),
        (
            "errors < 150%",
            "in gate 'errors < 150%': expected a percentage such as 0.1% or 85% of at most 100%, got '150%'",
        ),
    ],
)
def test_bad_gates(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Gate.parse(text)


def test_gate_hint_lists_the_metrics() -> None:
    assert "(metrics: p50, p90, p95, p99, p99.9, max, mean, throughput, errors)" in GATE_HINT


def test_non_string_gate_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"got 10$"):
        Gate.parse(10)  # type: ignore[arg-type]
