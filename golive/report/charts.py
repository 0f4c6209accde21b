"""The report's charts as inline SVG (pygal): no script, no stylesheet or font fetched from anywhere.

Each function returns an ``<svg>`` string, or ``""`` when there is nothing to draw.
"""

from __future__ import annotations

import importlib
import math
import re
import sys
from importlib.machinery import PathFinder
from types import ModuleType
from typing import Any

DOTS_UP_TO = 120  # with more points per series the dots only add weight (a 10-minute run: 600 per series)


def _pygal() -> ModuleType:
    """pygal, imported without its side effects on the import system.

    Importing pygal imports the importlib_metadata backport, which appends its own distribution finder to
    sys.meta_path and deletes the stdlib PathFinder.find_distributions; pygal adds a legacy finder without
    find_spec (every later import reaching it warns). Both are undone here, so importlib.metadata and pytest's
    plugin discovery see the packages as before (they lost them in the suite's in-process pytester runs).
    """
    if "pygal" in sys.modules:
        return sys.modules["pygal"]
    meta_path = list(sys.meta_path)
    find_distributions = PathFinder.__dict__.get("find_distributions")
    try:
        importlib.import_module("pygal")
    finally:
        sys.meta_path[:] = meta_path
        if find_distributions is not None and "find_distributions" not in PathFinder.__dict__:
            setattr(PathFinder, "find_distributions", find_distributions)  # noqa: B010
    return sys.modules["pygal"]


def _style() -> Any:
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#222",
        foreground_strong="#111",
        foreground_subtle="#666",
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        colors=("#c9d1d9", "#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd"),  # grey first: the warm-up
        opacity=".45",  # fills only (the warm-up band); lines stay solid
        opacity_hover="1",
        transition="0s",
    )


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "style": _style(),
        "js": [],  # pygal links its tooltip script from the web by default: never
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 900,
        "height": 320,
        "legend_at_bottom": True,
        "legend_box_size": 10,
        "truncate_legend": -1,
        "show_x_guides": False,
        "print_values": False,
        "dynamic_print_values": False,
        **extra,
    }


def _svg(chart: Any) -> str:
    """The chart's SVG without pygal's comments (credits with web addresses) and its inline config script
    (for tooltips, which need pygal's script from the web; the page has no script at all)."""
    return re.sub(r"<!--.*?-->|<script\b.*?</script>", "", str(chart.render(is_unicode=True)), flags=re.S)


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value) * 1000, 3)


def latency_over_time(series: list[dict[str, Any]], warmup: float) -> str:
    """p50 / p95 / p99 per second in ms, the warm-up shaded (it is not judged)."""
    if not series:
        return ""
    dots = len(series) <= DOTS_UP_TO
    chart = _pygal().XY(**_config(title="Latency per second (ms, from the intended send time)", show_dots=dots,
                               x_title="seconds since start", y_title="ms", dots_size=2,
                               stroke_style={"width": 1.5}))  # fmt: skip
    top = max((float(r.get("p99") or 0) for r in series), default=0) * 1000 or 1.0
    if warmup > 0:
        chart.add("warm-up (not judged)", [(0, top), (warmup, top)], fill=True, show_dots=False,
                  stroke_style={"width": 0})  # fmt: skip
    else:
        chart.add("", [])  # keeps the colours: p50 blue, p95 orange, p99 red
    for key in ("p50", "p95", "p99"):
        chart.add(key, [(int(r["elapsed"]), _ms(r.get(key))) for r in series if r.get(key) is not None])
    return _svg(chart)


def throughput_over_time(series: list[dict[str, Any]], warmup: float) -> str:
    """Successful requests, errors and late sends per second."""
    if not series:
        return ""
    dots = len(series) <= DOTS_UP_TO
    chart = _pygal().XY(**_config(title="Throughput and errors per second", show_dots=dots, dots_size=2,
                               x_title="seconds since start", y_title="requests / s"))  # fmt: skip
    top = max((int(r.get("ok") or 0) for r in series), default=0) or 1
    if warmup > 0:
        chart.add("warm-up (not judged)", [(0, top), (warmup, top)], fill=True, show_dots=False,
                  stroke_style={"width": 0})  # fmt: skip
    else:
        chart.add("", [])  # keeps the colours of the series below as in the latency chart
    chart.add("ok / s", [(int(r["elapsed"]), int(r.get("ok") or 0)) for r in series])
    for key, label in (("errors", "errors / s (right axis)"), ("late", "late sends / s (right axis)")):
        chart.add(label, [(int(r["elapsed"]), int(r.get(key) or 0)) for r in series], secondary=True)
    return _svg(chart)


SPECTRUM = (50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 100.0)


def spectrum_points(histogram: str | None) -> list[tuple[float, float]]:
    """(percentile, ms) pairs from the run's encoded HDR latency histogram (µs values)."""
    if not histogram:
        return []
    from golive.load.histograms import decode_into, new_histogram

    hist = new_histogram()
    decode_into(hist, histogram)
    if hist.get_total_count() == 0:
        return []
    return [(p, hist.get_value_at_percentile(p) / 1000) for p in SPECTRUM]


def percentile_spectrum(histogram: str | None, summary: dict[str, Any] | None = None) -> str:
    """Latency by percentile, the tail spread out (x: number of nines)."""
    points = spectrum_points(histogram)
    if not points and summary:
        names = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99.9": 99.9, "max": 100.0}
        points = [(p, float(summary[k]) * 1000) for k, p in names.items() if summary.get(k) is not None]
    if not points:
        return ""
    labels = [("max" if p >= 100 else f"p{p:g}") for p, _ in points]
    chart = _pygal().Line(**_config(title="Latency percentile spectrum (ms, steady window)", x_labels=labels,
                                 y_title="ms", dots_size=3, height=280, show_legend=False))  # fmt: skip
    chart.add("", [])
    chart.add("latency", [round(ms, 3) for _, ms in points])
    return _svg(chart)


def baseline_trend(name: str, points: list[tuple[str, float]]) -> str:
    """One operation's single-request median over the last runs (µs), oldest first."""
    if not points:
        return ""
    chart = _pygal().Line(**_config(title=f"{name}: median (µs)", width=420, height=200, show_legend=False,
                                 x_labels=[p[0][:8] for p in points], x_label_rotation=30, dots_size=3,
                                 show_minor_x_labels=len(points) <= 12))  # fmt: skip
    chart.add("", [])
    chart.add(name, [round(v * 1e6, 1) if not math.isnan(v) else None for _, v in points])
    return _svg(chart)
