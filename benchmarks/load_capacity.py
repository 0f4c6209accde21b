"""Generation capacity of the load engine per process, against a trivially fast endpoint, beside raw locust.

    .venv/bin/python benchmarks/load_capacity.py                 # stub endpoint, 8 s per measurement
    .venv/bin/python benchmarks/load_capacity.py --seconds 10 --processes 1 2

Target: ``python -m golive.load.stub`` (asyncio, no delay: canned 10-point answers). Raw locust: a
FastHttpUser with ``constant(0)`` waits (closed loop, as fast as it can) posting the same query, requests/s
read from locust's CSV. Engine: the ``search`` scenario asked for far more than it can send
(``--ask`` req/s, open model), so its achieved send rate is its ceiling; its CPU is measured per process.
Goal: engine >= 0.8 x raw FastHttpUser per process. On a 2-core machine the stub needs a core of its own,
so more than one generator process mostly shows the stub's (and the machine's) limit, not the engine's.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from golive.load.runner import RunSpec, child_env, run

RAW_LOCUSTFILE = """
from locust import FastHttpUser, constant, task

BODY = '{"query":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8],"limit":10,"params":{"hnsw_ef":64}}'


class RawFastHttp(FastHttpUser):
    wait_time = constant(0)

    @task
    def query(self):
        self.client.post("/collections/stub/points/query", data=BODY, headers={"content-type": "application/json"})
"""


def start_stub() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "golive.load.stub"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split()[-1]


def raw_locust(url: str, seconds: float, processes: int, users: int, tmp: Path) -> float:
    locustfile = tmp / "raw_fasthttp.py"
    locustfile.write_text(RAW_LOCUSTFILE)
    prefix = tmp / f"raw-{processes}"
    cmd = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary", "--host", url]
    cmd += ["-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--csv", str(prefix), "--loglevel", "ERROR"]
    if processes > 1:
        cmd += ["--processes", str(processes)]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    with (tmp / f"raw-{processes}_stats.csv").open() as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    return float(rows["Aggregated"]["Requests/s"])


def engine(url: str, seconds: float, processes: int, ask: float, users: int) -> dict[str, object]:
    spec = RunSpec(
        "search", url, ask, duration=seconds, warmup=2.0, processes=processes, users=users * processes,
        max_rate=ask, collection="stub",
    )  # fmt: skip
    result = run(spec)
    return {
        "sent_per_s": round(result.sent_rate, 1),
        "ok_per_s": round(result.throughput, 1),  # successful completions per second of the steady window
        "cpu": {k: round(v) for k, v in result.data.get("generator_cpu", {}).items()},
        "p50_ms": round(float(result.summary("service")["p50"] or 0) * 1e3, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ask", type=float, default=30000.0, help="rate asked of the engine (beyond its ceiling)")
    parser.add_argument("--users", type=int, default=64, help="users (connections) per process")
    args = parser.parse_args()
    stub, url = start_stub()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in args.processes:
                raw = raw_locust(url, args.seconds + 2, n, args.users * n, Path(tmp))
                time.sleep(1)
                eng = engine(url, args.seconds, n, args.ask, args.users)
                ratio = float(eng["ok_per_s"]) / raw if raw else 0.0  # type: ignore[arg-type]
                row = {"processes": n, "raw_fasthttpuser_per_s": round(raw, 1), "engine": eng, "ratio": round(ratio, 2)}
                print(json.dumps(row), flush=True)
    finally:
        stub.kill()
        stub.wait()
        if stub.stdout:
            stub.stdout.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
