"""The ``--golive-*`` options locust parses for every golive scenario (plain ``locust -f`` and the engine alike).

The driver (:func:`golive.load.runner.command`) passes them on the child's command line; the per-process
coordinator (:mod:`golive.load.generator.coordinator`) reads them from ``environment.parsed_options``. Rates and
durations go through the suite's one parser (``1000/s``, ``30s``, ``250ms``; a bare number is seconds).
"""

from __future__ import annotations

from typing import Any

from golive.fields import parse_duration, parse_rate


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return parse_duration(text)


def _rate(text: str) -> float:
    return parse_rate(text)


def add_arguments(parser: Any, **_kw: Any) -> None:
    group = parser.add_argument_group("golive", "open-model pacing and precise timing (golive.load)")
    group.add_argument("--golive-rate", type=_rate, default=100.0, help="total arrival rate, req/s")
    group.add_argument("--golive-arrival", choices=("constant", "poisson"), default="constant")
    group.add_argument("--golive-warmup", type=_seconds, default=5.0, help="warm-up excluded from stats")
    group.add_argument("--golive-duration", type=_seconds, default=30.0, help="steady window length")
    group.add_argument("--golive-grace", type=_seconds, default=5.0, help="wait for in-flight at the end")
    group.add_argument("--golive-timeout", type=_seconds, default=10.0, help="per-request timeout")
    group.add_argument("--golive-tolerance", type=_seconds, default=0.002, help="allowed send lateness")
    group.add_argument("--golive-collection", default="", help="collection to query (default: first)")
    group.add_argument("--golive-vector", default="", help="named dense vector to query (default: first by name)")
    group.add_argument("--golive-run-id", default="", help="names the probe collection of writing scenarios")
    group.add_argument("--golive-result", default="", help="write the result JSON here (master/local)")
    group.add_argument("--golive-progress", action="store_true", help="print a progress line every second")
    group.add_argument("--golive-api-key-env", default="QDRANT_API_KEY", help="env var holding the API key")
