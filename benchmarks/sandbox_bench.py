"""Benchmark the sandbox: searches/s and p99 on one core, first --demo start and restart times.

    .venv/bin/python benchmarks/sandbox_bench.py [--points 100000] [--seconds 15] [--connections 8]

The server runs pinned to core 0 (``taskset -c 0``); this client pins itself to core 1 and drives a
closed loop over keep-alive connections with pre-encoded requests (raw asyncio streams, so the client
is not the bottleneck). Latency is measured per request with perf_counter; percentiles from raw samples.
Not a timed test: run it by hand and copy the figures into golive/sandbox/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import qdrant_edge as qe

from golive.sandbox.demo import DemoCollection, vectors
from golive.sandbox.engine import DEFAULT_HNSW, DEFAULT_OPTIMIZERS, Collection, edge_config

DIM = 128


def build_collection(data_dir: Path, points: int) -> np.ndarray:
    """Write a ``bench`` collection of ``points`` x 128 embedding-like vectors, indexed; returns the data."""
    spec = DemoCollection("bench", DIM, "Cosine", points)
    data = vectors(spec, points, seed=7)
    config = {
        "vectors": {"size": DIM, "distance": "Cosine", "on_disk": None},
        "hnsw_config": dict(DEFAULT_HNSW),
        "optimizers_config": dict(DEFAULT_OPTIMIZERS),
        "on_disk_payload": True,
        "demo": None,
    }
    directory = data_dir / "collections" / "bench"
    directory.mkdir(parents=True)
    shard = qe.EdgeShard.create(str(directory / "shard"), edge_config(config))
    for start in range(0, points, 5000):
        batch = [qe.Point(i, data[i].tolist(), {"tenant": i % 100}) for i in range(start, min(points, start + 5000))]
        shard.update(qe.UpdateOperation.upsert_points(batch))
    shard.optimize()
    shard.flush()
    Collection("bench", directory, shard, config).save_config()
    shard.close()
    return data


def start_server(data_dir: Path, *extra: str, pin: str | None = "0") -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the sandbox (optionally under taskset); returns (process, url, seconds until /readyz is 200)."""
    cmd = [sys.executable, "-m", "golive.sandbox", "--port", "0", "--data-dir", str(data_dir), *extra]
    if pin is not None:
        cmd = ["taskset", "-c", pin, *cmd]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    url = line.split("listening on ", 1)[1].split()[0]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("sandbox not ready within 300 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(30)


async def _worker(host: str, port: int, bodies: list[bytes], stop_at: float, out: list[float], offset: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    while time.perf_counter() < stop_at:
        body = bodies[i % len(bodies)]
        i += 1
        head = (
            f"POST /collections/bench/points/query HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        t0 = time.perf_counter()
        writer.write(head + body)
        headers = await reader.readuntil(b"\r\n\r\n")
        length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        payload = await reader.readexactly(length)
        out.append(time.perf_counter() - t0)
        if not headers.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(payload.decode())
    writer.close()


async def _connections(
    host: str, port: int, n: int
) -> asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(n):
        pool.put_nowait(await asyncio.open_connection(host, port))
    return pool


async def open_loop(url: str, bodies: list[bytes], seconds: float, rate: float, connections: int) -> list[float]:
    """Send at a fixed arrival rate; latency counts from the intended send time (no coordinated omission)."""
    host, port_text = url.removeprefix("http://").split(":")
    pool = await _connections(host, int(port_text), connections)
    samples: list[float] = []
    lags: list[float] = []
    waits: list[float] = []

    async def one(body: bytes, intended: float) -> None:
        began = time.perf_counter()
        lags.append(began - intended)
        reader, writer = await pool.get()
        waits.append(time.perf_counter() - began)
        head = (
            f"POST /collections/bench/points/query HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        writer.write(head + body)
        headers = await reader.readuntil(b"\r\n\r\n")
        length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        samples.append(time.perf_counter() - intended)
        pool.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(int(seconds * rate)):
        intended = start + i / rate
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(bodies[i % len(bodies)], intended)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait()[1].close()
    lag, wait = np.array(lags) * 1000, np.array(waits) * 1000
    print(
        f"open loop: client behind schedule p50 {np.percentile(lag, 50):.2f} ms p99 {np.percentile(lag, 99):.2f} ms;"
        f" waiting for a free connection p50 {np.percentile(wait, 50):.2f} ms p99 {np.percentile(wait, 99):.2f} ms",
        file=sys.stderr,
    )
    return samples


async def load(url: str, bodies: list[bytes], seconds: float, connections: int) -> list[float]:
    host, port = url.removeprefix("http://").split(":")
    samples: list[float] = []
    stop_at = time.perf_counter() + seconds
    await asyncio.gather(*(_worker(host, int(port), bodies, stop_at, samples, k * 997) for k in range(connections)))
    return samples


def _summary(samples: list[float], seconds: float) -> dict[str, float]:
    lat = np.array(samples) * 1000
    return {
        "searches_per_s": round(len(samples) / seconds, 0),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "max_ms": round(float(lat.max()), 2),
    }


def search_benchmark(points: int, seconds: float, connections: int, warmup: float, rate: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        data = build_collection(data_dir, points)
        build_s = time.perf_counter() - t0
        rng = np.random.default_rng(1)
        idx = rng.integers(0, points, size=2000)
        queries = data[idx] + 0.05 * rng.standard_normal((2000, DIM)).astype(np.float32) / np.sqrt(DIM)
        bodies = [json.dumps({"query": q.round(6).tolist(), "limit": 10}).encode() for q in queries]
        proc, url, _ = start_server(data_dir, pin="0")
        try:
            os.sched_setaffinity(0, {1})
            asyncio.run(load(url, bodies, warmup, connections))
            closed = asyncio.run(load(url, bodies, seconds, connections))
            opened = asyncio.run(open_loop(url, bodies, seconds, rate, 16)) if rate else []
        finally:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
            stop(proc)
    return {
        "points": points,
        "build_s": round(build_s, 1),
        "seconds": seconds,
        f"closed_loop_{connections}_connections": _summary(closed, seconds),
        f"open_loop_{rate:.0f}_per_s": _summary(opened, seconds) if opened else None,
    }


def demo_benchmark() -> dict[str, float]:
    """First start with --demo at scale 1.0 on a fresh data dir, then a restart on it (both cores)."""
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-demo-bench-"))
    try:
        proc, _, first = start_server(tmp / "data", "--demo", pin=None)
        stop(proc)
        proc, _, again = start_server(tmp / "data", "--demo", pin=None)
        stop(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"first_demo_start_s": round(first, 1), "restart_s": round(again, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1500.0, help="open-loop arrival rate (0: skip)")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    result = search_benchmark(args.points, args.seconds, args.connections, args.warmup, args.rate)
    print(json.dumps(result), flush=True)
    if not args.skip_demo:
        print(json.dumps(demo_benchmark()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
