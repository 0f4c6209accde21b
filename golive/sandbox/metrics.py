"""Request statistics and the Prometheus text of ``GET /metrics``, with Qdrant's metric names.

>>> s = RequestStats(); s.observe("GET", "/collections", 200, 0.001); "rest_responses_total" in render(
...     Snapshot("1.19.0", [("c", 1, 1)], s))
True
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from dataclasses import dataclass, field

BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0)  # Qdrant's REST histogram buckets


@dataclass
class EndpointStats:
    count: int = 0
    fail_count: int = 0
    total_s: float = 0.0
    min_s: float = float("inf")
    max_s: float = 0.0
    last_responded: float = 0.0  # wall clock (time.time) of the latest response
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))


class RequestStats:
    """Per (method, endpoint template, status) counters and durations, and the same per collection."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str, int], EndpointStats] = {}
        self.by_collection: dict[tuple[str, str, str, int], EndpointStats] = {}

    def observe(self, method: str, endpoint: str, status: int, seconds: float, collection: str | None = None) -> None:
        stats = self.by_key.get((method, endpoint, status))
        if stats is None:
            stats = self.by_key[(method, endpoint, status)] = EndpointStats()
        _add(stats, status, seconds)
        if collection is not None:
            key = (collection, method, endpoint, status)
            per = self.by_collection.get(key)
            if per is None:
                per = self.by_collection[key] = EndpointStats()
            _add(per, status, seconds)

    def total(self) -> int:
        return sum(s.count for s in self.by_key.values())


def _add(stats: EndpointStats, status: int, seconds: float) -> None:
    stats.count += 1
    if status >= 400:
        stats.fail_count += 1
    stats.total_s += seconds
    stats.min_s = min(stats.min_s, seconds)
    stats.max_s = max(stats.max_s, seconds)
    stats.last_responded = time.time()
    for i, bound in enumerate(BUCKETS):
        if seconds <= bound:
            stats.buckets[i] += 1
            break


@dataclass
class Snapshot:
    """What ``render`` needs: version, (collection, points, vectors) rows and request stats."""

    version: str
    collections: list[tuple[str, int, int]]
    requests: RequestStats
    recovery_mode: bool = False
    per_collection: bool = False  # ``?per_collection=true``: request families by collection instead


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}" if inner else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(lines: list[str], name: str, help_text: str, kind: str, samples: list[tuple[str, float]]) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    lines.extend(f"{name}{labels} {_num(value)}" for labels, value in samples)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def process_metrics() -> dict[str, float]:
    """fd counts, limits and memory of this process (Linux /proc; empty values elsewhere)."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        out["process_open_fds"] = len(os.listdir("/proc/self/fd"))
    out["process_max_fds"] = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    try:
        with open("/proc/self/status") as fh:
            status = dict(line.split(":", 1) for line in fh if ":" in line)
        out["process_threads"] = int(status["Threads"].strip())
        out["memory_resident_bytes"] = int(status["VmRSS"].split()[0]) * 1024
        out["memory_allocated_bytes"] = int(status["VmData"].split()[0]) * 1024
        with open("/proc/self/maps") as fh:
            out["process_open_mmaps"] = sum(1 for _ in fh)
    except (OSError, KeyError, ValueError):
        pass
    return out


HELP = {
    "process_open_fds": ("count number of opened file descriptors", "gauge"),
    "process_max_fds": ("limit for open file descriptors", "gauge"),
    "process_threads": ("count of active threads", "gauge"),
    "process_open_mmaps": ("count of open mmaps", "gauge"),
    "memory_resident_bytes": ("Resident memory (RSS) of the process in bytes", "gauge"),
    "memory_allocated_bytes": ("Total number of bytes allocated by the application", "gauge"),
}


def render(snap: Snapshot, process: dict[str, float] | None = None) -> str:
    """The Prometheus exposition text."""
    lines: list[str] = []
    _family(lines, "app_info", "information about qdrant server", "gauge",
            [(_labels(name="qdrant", version=snap.version), 1)])  # fmt: skip
    _family(lines, "app_status_recovery_mode", "features enabled in qdrant server", "gauge",
            [("", 1 if snap.recovery_mode else 0)])  # fmt: skip
    _family(lines, "collections_total", "number of collections", "gauge", [("", len(snap.collections))])
    _family(lines, "collections_vector_total", "total number of vectors in all collections", "gauge",
            [("", sum(c[2] for c in snap.collections))])  # fmt: skip
    _family(lines, "collections_full_total", "number of full collections", "gauge", [("", len(snap.collections))])
    _family(lines, "collections_aggregated_total", "number of aggregated collections", "gauge", [("", 0)])
    _family(lines, "collection_points", "approximate amount of points per collection", "gauge",
            [(_labels(id=name), points) for name, points, _ in snap.collections])  # fmt: skip
    _family(lines, "cluster_enabled", "is cluster support enabled", "gauge", [("", 0)])
    if snap.per_collection:
        _requests(lines, {(("collection", c), ("method", m), ("endpoint", e), ("status", str(st))): v
                          for (c, m, e, st), v in snap.requests.by_collection.items()})  # fmt: skip
    else:
        _requests(lines, {(("method", m), ("endpoint", e), ("status", str(st))): v
                          for (m, e, st), v in snap.requests.by_key.items()})  # fmt: skip
    for name, value in (process if process is not None else process_metrics()).items():
        help_text, kind = HELP[name]
        _family(lines, name, help_text, kind, [("", value)])
    return "\n".join(lines) + "\n"


Labels = tuple[tuple[str, str], ...]


def _requests(lines: list[str], by_labels: dict[Labels, EndpointStats]) -> None:
    if not by_labels:
        return
    items = sorted(by_labels.items())
    keyed = [(_labels(**dict(labels)), st) for labels, st in items]
    _family(lines, "rest_responses_total", "total number of responses", "counter",
            [(lab, st.count) for lab, st in keyed])  # fmt: skip
    _family(lines, "rest_responses_fail_total", "total number of failed responses", "counter",
            [(lab, st.fail_count) for lab, st in keyed])  # fmt: skip
    timed = [(lab, st) for lab, st in keyed if 'status="200"' in lab]
    if timed:
        _family(lines, "rest_responses_avg_duration_seconds", "average response duration", "gauge",
                [(lab, st.total_s / st.count) for lab, st in timed])  # fmt: skip
        _family(lines, "rest_responses_min_duration_seconds", "minimum response duration", "gauge",
                [(lab, st.min_s) for lab, st in timed])  # fmt: skip
        _family(lines, "rest_responses_max_duration_seconds", "maximum response duration", "gauge",
                [(lab, st.max_s) for lab, st in timed])  # fmt: skip
    lines.append("# HELP rest_responses_duration_seconds response duration histogram")
    lines.append("# TYPE rest_responses_duration_seconds histogram")
    for labels, st in items:
        base = dict(labels)
        if base["status"] != "200":
            continue
        cumulative = 0
        for bound, n in zip(BUCKETS, st.buckets, strict=True):
            cumulative += n
            lines.append(f"rest_responses_duration_seconds_bucket{_labels(**base, le=repr(bound))} {cumulative}")
        lines.append(f"rest_responses_duration_seconds_bucket{_labels(**base, le='+Inf')} {st.count}")
        lines.append(f"rest_responses_duration_seconds_sum{_labels(**base)} {_num(st.total_s)}")
        lines.append(f"rest_responses_duration_seconds_count{_labels(**base)} {st.count}")
