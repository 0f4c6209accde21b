"""Fidelity of the load engine: its percentiles against a minimal open-loop reference client, same target,
same rate, same run.

    .venv/bin/python benchmarks/load_fidelity.py                      # starts a sandbox (demo 0.05)
    .venv/bin/python benchmarks/load_fidelity.py --url http://127.0.0.1:6333 --rate 1000 --duration 10

Reference: ``golive.load.reference.open_loop`` — one thread, raw non-blocking sockets, ``select()`` with µs
timeouts, requests evenly spaced at the rate and timed from their intended send time (wrk2-style open loop).
Debian's ``wrk`` is closed-loop (it waits for each response before the next request), so it is not used.
Both clients send the same query bodies (stored vectors of the collection) over the same number of
keep-alive connections (the server's behaviour depends on it). Rounds alternate reference and
engine so drift on a shared machine hits both; with ``--concurrent`` both run at the same time at half the
rate each (identical conditions, the target still sees the full rate).
Goal: engine p50/p95/p99 within max(0.3 ms, 15 %) of the reference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from golive.load.histograms import percentile_of
from golive.load.reference import ReferenceResult, http_request, open_loop
from golive.load.runner import RunSpec, run
from golive.probes import probe_collections as probe


@contextlib.contextmanager
def target(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from golive.sandbox.testing import running_sandbox

    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp) / "data", demo=True, demo_scale=0.05) as sb:
        yield sb.url


def _call(client: httpx.Client) -> probe.Call:
    def call(method: str, path: str, body: Any) -> tuple[int, Any]:
        r = client.request(method, path, json=body)
        return r.status_code, r.json()

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target (default: start a sandbox)")
    parser.add_argument("--collection", default="documents")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32, help="connections of both clients (engine: users)")
    parser.add_argument(
        "--concurrent", action="store_true", help="run both at the same time, each at half the rate (same conditions)"
    )
    args = parser.parse_args()
    rows = []
    with target(args.url) as url:
        with httpx.Client(base_url=url, timeout=10) as client:
            sample = probe.sample_points(_call(client), args.collection)
        host, port = url.split("://", 1)[1].rsplit(":", 1)
        path = f"/collections/{args.collection}/points/query"
        bodies = [
            json.dumps({"query": v, "limit": 10, "params": {"hnsw_ef": 64}}, separators=(",", ":")).encode()
            for v in sample.vectors
        ]
        requests = [
            http_request(host, int(port), "POST", path, b, {"content-type": "application/json"}) for b in bodies
        ]
        for n in range(args.rounds):
            rate = args.rate / 2 if args.concurrent else args.rate
            spec = RunSpec(
                "search", url, rate, args.duration, args.warmup, collection=args.collection, users=args.connections
            )
            conns = args.connections

            def reference(rate: float = rate, conns: int = conns) -> ReferenceResult:
                return open_loop(host, int(port), requests, rate, args.duration, args.warmup, conns, conns)

            if args.concurrent:  # the engine needs ~1.5 s to start: let the reference begin then
                with ThreadPoolExecutor(1) as pool:
                    future = pool.submit(lambda: (time.sleep(1.5), reference())[1])
                    result = run(spec)
                    ref = future.result()
            else:
                ref = reference()
                result = run(spec)
            ref_p = {p: percentile_of(ref.latencies, float(p[1:])) for p in ("p50", "p95", "p99")}
            eng = result.summary("latency")
            row = {
                "round": n + 1,
                "reference": {k: round(v * 1e3, 3) for k, v in ref_p.items()},
                "reference_sent": ref.sent,
                "reference_late_sends": ref.late_sends,
                "engine": {k: round(float(eng[k] or 0) * 1e3, 3) for k in ("p50", "p95", "p99")},
                "engine_service": {
                    k: round(float(result.summary("service")[k] or 0) * 1e3, 3) for k in ("p50", "p95", "p99")
                },
                "engine_sent_rate": round(result.sent_rate, 1),
                "engine_late": result.counts["late"],
                "engine_cpu": result.data.get("generator_cpu"),
            }
            row["within"] = {
                k: abs(row["engine"][k] - row["reference"][k]) <= max(0.3, 0.15 * row["reference"][k])
                for k in ("p50", "p95", "p99")
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    ok = all(all(r["within"].values()) for r in rows)
    print(f"fidelity goal max(0.3 ms, 15%) met in every round: {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
