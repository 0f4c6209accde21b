"""``GET /telemetry``: Qdrant's ``TelemetryData`` shape, filled only with what the sandbox measures.

- ``requests.rest``: the request counts and durations ``/metrics`` counts too, keyed ``"METHOD /template"``
  then status; ``per_collection=true`` adds ``per_collection_responses``. ``avg_duration_micros`` is the
  mean over all requests (Qdrant's is over the latest 128). ``grpc`` is empty: the sandbox serves no gRPC.
- ``memory`` (details_level >= 1): this process from ``/proc/self/status``, not jemalloc's counters:
  ``resident_bytes`` VmRSS, ``allocated_bytes`` VmData, ``active_bytes`` RssAnon, ``metadata_bytes`` VmPTE
  (page tables), ``retained_bytes`` VmSize.
- ``hardware`` (details_level >= 1): ``collection_data`` is empty; qdrant-edge counts no per-collection CPU
  or IO.
- ``quota``: not enforced (``enabled: false``), so ``exceeded`` is null for both resources.
- ``app.features``: a build without debug, GPU, RocksDB or staging features, not in recovery mode;
  ``app.system`` (details_level >= 1) from ``/etc/os-release``, ``/proc`` and the data dir's filesystem.

    >>> await telemetry(state, request)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from golive.sandbox import QDRANT_VERSION, edge_version
from golive.sandbox.metrics import EndpointStats, RequestStats
from golive.sandbox.protocol import Request, Response, bad_request, ok
from golive.sandbox.routes import collection_info
from golive.sandbox.state import State

PEER_ID = 1


def duration_stats(st: EndpointStats) -> dict[str, Any]:
    """Qdrant's ``OperationDurationStatistics`` for one counter."""
    last = dt.datetime.fromtimestamp(st.last_responded, dt.UTC) if st.last_responded else None
    return {
        "count": st.count,
        "fail_count": st.fail_count,
        "avg_duration_micros": st.total_s / st.count * 1e6 if st.count else None,
        "min_duration_micros": st.min_s * 1e6 if st.count else None,
        "max_duration_micros": st.max_s * 1e6 if st.count else None,
        "total_duration_micros": round(st.total_s * 1e6),
        "last_responded": last.isoformat().replace("+00:00", "Z") if last else None,
    }


def rest_telemetry(stats: RequestStats, per_collection: bool) -> dict[str, Any]:
    responses: dict[str, dict[str, Any]] = {}
    for (method, endpoint, status), st in sorted(stats.by_key.items()):
        responses.setdefault(f"{method} {endpoint}", {})[str(status)] = duration_stats(st)
    out: dict[str, Any] = {"responses": responses}
    if per_collection:
        per: dict[str, dict[str, dict[str, Any]]] = {}
        for (collection, method, endpoint, status), st in sorted(stats.by_collection.items()):
            per.setdefault(collection, {}).setdefault(f"{method} {endpoint}", {})[str(status)] = duration_stats(st)
        out["per_collection_responses"] = per
    return out


def _proc_status() -> dict[str, int]:
    """The ``kB`` lines of ``/proc/self/status`` in bytes (empty off Linux)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError), open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            parts = value.split()
            if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
                out[key] = int(parts[0]) * 1024
    return out


def memory_telemetry() -> dict[str, int] | None:
    status = _proc_status()
    if "VmRSS" not in status:
        return None
    return {
        "active_bytes": status.get("RssAnon", 0),
        "allocated_bytes": status.get("VmData", 0),
        "metadata_bytes": status.get("VmPTE", 0),
        "resident_bytes": status["VmRSS"],
        "retained_bytes": status.get("VmSize", 0),
    }


def _os_release() -> dict[str, str]:
    out: dict[str, str] = {}
    with contextlib.suppress(OSError), open("/etc/os-release") as fh:
        for line in fh:
            key, sep, value = line.strip().partition("=")
            if sep:
                out[key] = value.strip('"')
    return out


def _cpu_flags() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("flags"):
                return ",".join(line.partition(":")[2].split())
    return ""


def _ram_kib() -> int | None:
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return None


def system_telemetry(data_dir: Path) -> dict[str, Any]:
    release = _os_release()
    docker = Path("/.dockerenv").exists()
    disk = None
    with contextlib.suppress(OSError):
        disk = shutil.disk_usage(data_dir).total // 1024
    return {
        "distribution": release.get("NAME") or platform.system(),
        "distribution_version": release.get("VERSION_ID"),
        "is_docker": docker,
        "container_runtime": "docker" if docker else "none",
        "cores": os.cpu_count(),
        "ram_size": _ram_kib(),
        "disk_size": disk,
        "cpu_flags": _cpu_flags(),
        "cpu_endian": sys.byteorder,
    }


FEATURES = {
    "debug": False,
    "service_debug_feature": False,
    "recovery_mode": False,
    "gpu": False,
    "rocksdb": False,
    "staging": False,
}
QUOTA = {
    "config": {"enabled": False},
    "exceeded": {"resident_memory": None, "disk_usage": None},
}


def _collection(s: State, name: str) -> dict[str, Any]:
    c = s.store.collections[name]
    info = collection_info(s, c)
    return {
        "id": name,
        "init_time_ms": 0,
        "config": info["config"],
        "shards": [
            {
                "id": 0,
                "key": None,
                "local": {
                    "variant_name": None,
                    "status": info["status"],
                    "total_optimized_points": 0,
                    "num_points": info["points_count"],
                    "segments": [],
                },
                "remote": [],
                "replicate_states": {str(PEER_ID): "Active"},
            }
        ],
    }


def _cluster(s: State) -> dict[str, Any]:
    fault = s.faults.state["cluster"]
    if fault is None:
        return {"enabled": False}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    return {
        "enabled": True,
        "status": {
            "number_of_peers": fault["peers"],
            "term": 1,
            "commit": 1,
            "pending_operations": 0,
            "role": "Leader",
            "is_voter": True,
            "peer_id": PEER_ID,
            "consensus_thread_status": {"consensus_thread_status": "working", "last_update": now},
        },
    }


def _marker(s: State) -> dict[str, Any]:
    return {
        "engine": "qdrant-edge-py",
        "engine_version": edge_version(),
        "note": "golive sandbox: a test target, not Qdrant",
        "demo": s.demo,
    }


async def telemetry(s: State, r: Request) -> Response:
    try:
        level = int(r.query.get("details_level", "0") or 0)
    except ValueError:
        raise bad_request("details_level must be an integer") from None
    detailed = level >= 1
    app: dict[str, Any] = {
        "name": "qdrant",
        "version": QDRANT_VERSION,
        "features": FEATURES,
        "startup": s.started_at.isoformat(),
    }
    if detailed:
        app["system"] = system_telemetry(s.store.data_dir)
    result: dict[str, Any] = {
        "id": s.instance_id,
        "app": app,
        "collections": {
            "number_of_collections": len(s.store.collections),
            "collections": [_collection(s, n) for n in s.store.names()] if detailed else None,
        },
        "cluster": _cluster(s),
        "requests": {
            "rest": rest_telemetry(s.stats, r.flag("per_collection", False)),
            "grpc": {"responses": {}},
        },
        "quota": QUOTA,
        "golive_sandbox": _marker(s),
    }
    if detailed:
        result["memory"] = memory_telemetry()
        result["hardware"] = {"collection_data": {}}
    return ok(result, started=r.started)
