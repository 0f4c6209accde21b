"""Benchmark the sandbox's search path against the previous design, side by side, on the same data.

    .venv/bin/python benchmarks/sandbox_bench.py                       # old design = git rev 53a9b5a
    .venv/bin/python benchmarks/sandbox_bench.py --seconds 10 --skip-capacity --baseline HEAD~3

The workload is the default load gate's: ``POST /collections/documents/points/query`` (20,000 x 384 Cosine,
the demo at scale 1.0) with the scenario's own query bodies (the first 256 stored vectors, ``limit`` 10,
``hnsw_ef`` 64). Every design serves the demo as ``make golive`` runs it: HTTPS (a throwaway CA and server
certificate from ``golive.sandbox.certs``) and API keys (``--plain``: plain HTTP, no keys). The demo is built
once (a first ``--demo`` start, timed, then a timed restart); every design then serves its own copy of that data
dir, one after the other:

- *closed loop*: 2 keep-alive connections as fast as they go; the server pinned to core 0 (``taskset``), this
  client to core 1. Searches/s, p50/p99, and the server's CPU per search (utime + stime of its process);
- *TLS share*: the same closed loop against the design started without TLS; the share of the server's CPU per
  search that TLS adds;
- *open loop*: ``--rate`` arrivals/s, latency from the intended send time; same pinning;
- *gate run*: ``golive load run`` at the default gate's rate (``--gate-rate``, 1,050/s) for 20 s, nothing
  pinned: the sandbox's CPU per request (its process over the whole run) and the generator's (its own steady
  mean CPU over the rate), the verdict, p95 and server p95. CPU per request is the figure that does not depend
  on what else runs on the machine;
- *capacity*: ``golive load capacity`` against the design, nothing pinned, the generator on the same 2 cores
  (what issue 8 asks: >= 2,100 req/s held with p95 < 10 ms);
- *recall@10* of the design's answers against ``params.exact`` on the same queries.

The old design runs from ``git archive <baseline> golive`` in a temp dir (the repository is only read), with
this venv. The load runs use a copy of ``config/sandbox.yaml`` with the design's URL and CA. Not a timed
test: run it by hand, on a machine as quiet as you can get (the load average is printed beside every figure),
and copy the figures into golive/sandbox/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
COLLECTION = "documents"
PATH = f"/collections/{COLLECTION}/points/query"
BASELINE = "53a9b5a"  # the last commit before issue 8's changes: one event loop, default search pool, json
API_KEY = "sandbox-bench-key"
KEY_ENV = {  # the sandbox's own names, and the ones config/sandbox.yaml tells the suite to read
    "QDRANT__SERVICE__API_KEY": API_KEY,
    "QDRANT__SERVICE__READ_ONLY_API_KEY": API_KEY + "-ro",
    "QDRANT_API_KEY": API_KEY,
    "QDRANT_READ_ONLY_API_KEY": API_KEY + "-ro",
}


class Tls:
    """A throwaway CA and server certificate for 127.0.0.1 (None in a design run means plain HTTP)."""

    def __init__(self, folder: Path) -> None:
        from golive.sandbox.certs import make_ca, server_cert

        ca = make_ca(folder)
        self.ca_file = ca.cert_file
        self.cert, self.key = server_cert(ca, folder, days=2, hosts=("127.0.0.1",))

    def args(self) -> list[str]:
        return ["--tls-cert", str(self.cert), "--tls-key", str(self.key)]

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def load_average() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def process_cpu(pid: int) -> float:
    """utime + stime of ``pid`` and its threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def baseline_tree(rev: str, into: Path) -> Path:
    """``golive/`` as of ``rev``, extracted under ``into`` (read from the repository, nothing checked out)."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "golive"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def start_server(
    data_dir: Path, *extra: str, pin: str | None = None, code: Path | None = None
) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the sandbox (``code``: a tree holding another ``golive``); returns (process, url, seconds to ready)."""
    cmd = [sys.executable, "-m", "golive.sandbox", "--port", "0", "--data-dir", str(data_dir), *extra]
    if pin is not None:
        cmd = ["taskset", "-c", pin, *cmd]
    env = {**os.environ, **KEY_ENV}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=code or REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    url = line.split("listening on ", 1)[1].split()[0]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2, verify=False).status_code == 200:
                return proc, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("sandbox not ready within 300 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(30)


def client(url: str, tls: Tls | None) -> httpx.Client:
    verify: ssl.SSLContext | bool = tls.context() if tls else True
    return httpx.Client(base_url=url, timeout=30, verify=verify, headers={"api-key": API_KEY})


def scenario_queries(url: str, tls: Tls | None) -> list[list[float]]:
    """The search scenario's query vectors: the collection's first 256 stored vectors (as the load user takes)."""
    body = {"limit": 256, "with_vector": True, "with_payload": False}
    with client(url, tls) as c:
        points = c.post(f"/collections/{COLLECTION}/points/scroll", json=body).json()
    return [p["vector"] for p in points["result"]["points"]]


def request_bodies(queries: list[list[float]]) -> list[bytes]:
    """The bodies the search scenario sends (golive.load's QdrantUser.query_body)."""
    return [
        ('{"query":' + json.dumps(q, separators=(",", ":")) + ',"limit":10,"params":{"hnsw_ef":64}}').encode()
        for q in queries
    ]


def recall_at_10(url: str, queries: list[list[float]], tls: Tls | None) -> float:
    hits = 0
    with client(url, tls) as c:
        for q in queries:
            approx = c.post(PATH, json={"query": q, "limit": 10, "params": {"hnsw_ef": 64}}).json()
            exact = c.post(PATH, json={"query": q, "limit": 10, "params": {"exact": True}}).json()
            got = {p["id"] for p in approx["result"]["points"]}
            hits += len(got & {p["id"] for p in exact["result"]["points"]})
    return hits / (10 * len(queries))


def _head(host: str, body: bytes) -> bytes:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\napi-key: {API_KEY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _address(url: str) -> tuple[str, int]:
    host, port = url.split("://", 1)[1].split(":")
    return host, int(port)


async def _connect(url: str, tls: Tls | None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = _address(url)
    return await asyncio.open_connection(host, port, ssl=tls.context() if tls else None)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
    writer.write(request)
    headers = await reader.readuntil(b"\r\n\r\n")
    length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    payload = await reader.readexactly(length)
    if not headers.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(payload.decode())


async def closed_loop(url: str, bodies: list[bytes], seconds: float, connections: int, tls: Tls | None) -> list[float]:
    requests = [_head(_address(url)[0], b) for b in bodies]
    samples: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        reader, writer = await _connect(url, tls)
        i = offset
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            await _exchange(reader, writer, requests[i % len(requests)])
            samples.append(time.perf_counter() - t0)
            i += 1
        writer.close()

    await asyncio.gather(*(worker(k * 97) for k in range(connections)))
    return samples


async def open_loop(
    url: str, bodies: list[bytes], seconds: float, rate: float, connections: int, tls: Tls | None
) -> list[float]:
    """Send at a fixed arrival rate; latency counts from the intended send time (no coordinated omission)."""
    requests = [_head(_address(url)[0], b) for b in bodies]
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await _connect(url, tls))
    samples: list[float] = []

    async def one(request: bytes, intended: float) -> None:
        reader, writer = await pool.get()
        await _exchange(reader, writer, request)
        samples.append(time.perf_counter() - intended)
        pool.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(int(seconds * rate)):
        intended = start + i / rate
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], intended)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait()[1].close()
    return samples


def _summary(samples: list[float], seconds: float, cpu: float) -> dict[str, float]:
    lat = np.array(samples) * 1000
    return {
        "searches_per_s": round(len(samples) / seconds),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "max_ms": round(float(lat.max()), 1),
        "server_cpu_ms_per_search": round(cpu / len(samples) * 1000, 3),
    }


def pinned_loops(
    proc: subprocess.Popen[bytes], url: str, bodies: list[bytes], args: argparse.Namespace, tls: Tls | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    os.sched_setaffinity(0, {1})
    try:
        asyncio.run(closed_loop(url, bodies, args.warmup, 2, tls))
        cpu = process_cpu(proc.pid)
        t0 = time.perf_counter()
        samples = asyncio.run(closed_loop(url, bodies, args.seconds, 2, tls))
        elapsed = time.perf_counter() - t0
        out["closed_loop_2_connections"] = {
            **_summary(samples, elapsed, process_cpu(proc.pid) - cpu),
            "at": load_average(),
        }
        if args.rate:
            cpu = process_cpu(proc.pid)
            samples = asyncio.run(open_loop(url, bodies, args.seconds, args.rate, 32, tls))
            summary = _summary(samples, args.seconds, process_cpu(proc.pid) - cpu)
            out[f"open_loop_{args.rate:.0f}_per_s"] = {**summary, "at": load_average()}
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return out


def load_config(url: str, tls: Tls | None, work: Path) -> Path:
    """config/sandbox.yaml with the design's URL and CA: what ``golive load`` runs against it."""
    config = yaml.safe_load((REPO / "config" / "sandbox.yaml").read_text())
    config["target"]["url"] = url
    config["target"]["tls"]["ca_file"] = str(tls.ca_file) if tls else None
    path = work / f"config-{_address(url)[1]}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _golive_load(args: list[str], tls: Tls | None) -> subprocess.Popen[str]:
    env = {**os.environ, **KEY_ENV}
    if tls is not None:  # the generator's raw client verifies against the default trust store
        env["SSL_CERT_FILE"] = str(tls.ca_file)
    cmd = [str(Path(sys.executable).parent / "golive"), "load", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env)


def gate_run(proc: subprocess.Popen[bytes], config: Path, out: Path, rate: float, tls: Tls | None) -> dict[str, Any]:
    """``golive load run`` at ``rate`` for 20 s: verdict, p95, and CPU per request of the sandbox and generator."""
    before = load_average()
    cpu = process_cpu(proc.pid)
    args = ["run", "--config", str(config), "--rate", f"{rate:g}/s", "--duration", "20s", "--out", str(out)]
    run = _golive_load(args, tls)
    output, _ = run.communicate()
    sandbox_cpu = process_cpu(proc.pid) - cpu
    data = json.loads((out / "result.json").read_text())
    sent = data["counts"]["sent"] + data["warmup_counts"]["sent"]
    generator = sum(data.get("generator_cpu", {}).values()) / 100  # steady mean, cores
    summary = data.get("summary", {})
    verdicts = [line for line in output.splitlines() if line.startswith(("GO", "NO-GO", "INCONCLUSIVE"))]
    return {
        "verdict": verdicts[-1] if verdicts else output[-300:],
        "p95_ms": round(summary.get("latency", {}).get("p95", 0) * 1000, 2),
        "server_p95_ms": round(summary.get("server", {}).get("p95", 0) * 1000, 2),
        "sandbox_cpu_ms_per_request": round(sandbox_cpu / max(sent, 1) * 1000, 3),
        "generator_cpu_ms_per_request": round(generator / max(data["derived"]["sent_rate"], 1) * 1000, 3),
        "at": f"{before} -> {load_average()}",
    }


def capacity(config: Path, out: Path, max_rate: float, tls: Tls | None) -> dict[str, Any]:
    """``golive load capacity`` against the design: the line it ends with, and each step's p95/p99 (ms)."""
    before = load_average()
    run = _golive_load(["capacity", "--config", str(config), "--out", str(out), "--max-rate", f"{max_rate:g}"], tls)
    output, _ = run.communicate()
    held = [line for line in output.splitlines() if line.startswith(("highest rate", "no rate held"))]
    steps = {}
    for path in sorted(out.glob("step-*.json"), key=lambda p: float(re.sub(r"[^0-9.]", "", p.stem) or 0)):
        data = json.loads(path.read_text())
        latency = data.get("summary", {}).get("latency", {})
        if latency.get("p95") is not None:
            steps[path.stem.removeprefix("step-")] = {
                "p95_ms": round(latency["p95"] * 1000, 2),
                "p99_ms": round(latency["p99"] * 1000, 2),
                "server_p95_ms": round(data.get("summary", {}).get("server", {}).get("p95", 0) * 1000, 2),
            }
    return {"result": held[-1] if held else output[-500:], "steps": steps, "at": f"{before} -> {load_average()}"}


def measure(
    name: str, data_dir: Path, code: Path | None, args: argparse.Namespace, work: Path, tls: Tls | None
) -> dict[str, Any]:
    print(f"-- {name}: {load_average()}", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"design": name, "tls": tls is not None}
    tls_args = tls.args() if tls else []
    proc, url, _ = start_server(data_dir, *tls_args, pin="0", code=code)
    try:
        queries = scenario_queries(url, tls)
        bodies = request_bodies(queries)
        result["recall_at_10"] = round(recall_at_10(url, queries, tls), 4)
        result.update(pinned_loops(proc, url, bodies, args, tls))
    finally:
        stop(proc)
    if tls is not None:  # the same closed loop without TLS: what TLS adds to the server's CPU per search
        proc, url, _ = start_server(data_dir, pin="0", code=code)
        try:
            os.sched_setaffinity(0, {1})
            asyncio.run(closed_loop(url, bodies, args.warmup, 2, None))
            cpu = process_cpu(proc.pid)
            samples = asyncio.run(closed_loop(url, bodies, args.seconds, 2, None))
            plain = (process_cpu(proc.pid) - cpu) / len(samples) * 1000
            with_tls = result["closed_loop_2_connections"]["server_cpu_ms_per_search"]
            result["tls_share"] = {
                "plain_server_cpu_ms_per_search": round(plain, 3),
                "tls_share_of_server_cpu": round(1 - plain / with_tls, 3),
                "at": load_average(),
            }
        finally:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
            stop(proc)
    proc, url, _ = start_server(data_dir, *tls_args, code=code)
    try:
        config = load_config(url, tls, work)
        if args.gate_rate:
            result["gate_run"] = gate_run(proc, config, work / f"gate-{name[:3]}", args.gate_rate, tls)
        if not args.skip_capacity:
            result["capacity"] = capacity(config, work / f"capacity-{name[:3]}", args.max_rate, tls)
    finally:
        stop(proc)
    print(json.dumps(result), flush=True)
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The figures of every design side by side, one row per measure."""
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, get: Any) -> None:
        values = []
        for r in results:
            try:
                values.append(str(get(r)))
            except (KeyError, TypeError):
                values.append("-")
        rows.append((label, values))

    add("recall@10 vs exact (scenario queries)", lambda r: r["recall_at_10"])
    for key in [k for k in results[0] if k.startswith(("closed_loop", "open_loop"))]:
        add(f"{key}: searches/s", lambda r, k=key: r[k]["searches_per_s"])
        add(f"{key}: p50 / p99 ms", lambda r, k=key: f"{r[k]['p50_ms']} / {r[k]['p99_ms']}")
        add(f"{key}: server CPU ms/search", lambda r, k=key: r[k]["server_cpu_ms_per_search"])
    add("TLS share of server CPU (closed loop)", lambda r: r["tls_share"]["tls_share_of_server_cpu"])
    add("closed loop without TLS: server CPU ms/search", lambda r: r["tls_share"]["plain_server_cpu_ms_per_search"])
    add("gate run: verdict", lambda r: r["gate_run"]["verdict"])
    add("gate run: p95 / server p95 ms", lambda r: f"{r['gate_run']['p95_ms']} / {r['gate_run']['server_p95_ms']}")
    for label, key in (
        ("sandbox CPU ms/request", "sandbox_cpu_ms_per_request"),
        ("generator CPU ms/request", "generator_cpu_ms_per_request"),
        ("load average", "at"),
    ):
        add(f"gate run: {label}", lambda r, k=key: r["gate_run"][k])
    add("capacity (golive load capacity)", lambda r: r["capacity"]["result"])
    add("capacity: load average", lambda r: r["capacity"]["at"])
    width = max(len(label) for label, _ in rows)
    head = " | ".join(r["design"] for r in results)
    return "\n".join([f"{'':{width}} | {head}", *(f"{label:{width}} | {' | '.join(v)}" for label, v in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per pinned loop (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=2100.0, help="open-loop arrivals/s (0: skip; default 2100)")
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision of the old design (default {BASELINE})")
    parser.add_argument("--skip-capacity", action="store_true", help="no `golive load capacity` runs")
    parser.add_argument("--gate-rate", type=float, default=1050.0, help="gate run rate/s (0: skip; default 1050)")
    parser.add_argument("--plain", action="store_true", help="plain HTTP without API keys (default: TLS and keys)")
    parser.add_argument("--max-rate", type=float, default=5000.0, help="capacity search ceiling (default 5000)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    try:
        tls = None if args.plain else Tls(work / "tls")
        data = work / "data"
        proc, _, first = start_server(data, "--demo")
        stop(proc)
        proc, _, again = start_server(data, "--demo")
        stop(proc)
        print(json.dumps({"first_demo_start_s": round(first, 1), "restart_s": round(again, 2), "at": load_average()}))
        old_code = baseline_tree(args.baseline, work / "baseline")
        results: list[dict[str, Any]] = []
        for name, code in ((f"old ({args.baseline})", old_code), ("new (this tree)", None)):
            copy = work / f"data-{len(results)}"
            shutil.copytree(data, copy)
            results.append(measure(name, copy, code, args, work, tls))
        print(table(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
