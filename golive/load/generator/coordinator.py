"""The per-process coordinator of a load run: what one locust process (local, master or worker) knows.

One :class:`Run` per process, built in ``test_start`` by :func:`begin` (the listeners in
:mod:`golive.load.generator.listeners`): it samples the collection, creates a writing scenario's probe
collection, holds the process's :class:`~golive.load.generator.schedule.Pacer` and
:class:`~golive.load.generator.recorder.Recorder`, sends per-second deltas (workers) or merges them into an
:class:`~golive.load.results.Aggregate` (master, local), prints progress lines, ends the run at warm-up +
duration (+ grace) and writes the result JSON::

    run = current_run()          # in a listener or a user, once test_start has fired
    run.wind_down(wait=1.0)      # an early stop: answers already on their way still count
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust.runners import MasterRunner, WorkerRunner

from golive.load.generator.rawhttp import Connection
from golive.load.generator.recorder import Recorder
from golive.load.generator.schedule import Pacer, now
from golive.load.histograms import summarize
from golive.load.results import PROGRESS_PREFIX, Aggregate
from golive.probes import probe_collections as probe


class Run:
    """Everything one locust process knows about the current run (one per process, rebuilt per test)."""

    def __init__(self, environment: Any) -> None:
        self.env = environment
        opts = environment.parsed_options
        self.opts = opts
        runner = environment.runner
        self.role = (
            "master" if isinstance(runner, MasterRunner) else "worker" if isinstance(runner, WorkerRunner) else "local"
        )
        if self.role != "worker":
            users = int(getattr(runner, "target_user_count", 0) or getattr(opts, "num_users", 0) or 1)
            opts.golive_users = users
            opts.golive_per_user_rate = float(opts.golive_rate) / users
            opts.golive_t0 = time.time() + (1.0 if self.role == "master" else 0.2)
            opts.golive_run_id = opts.golive_run_id or probe.new_run_id()
        self._set_times(float(opts.golive_t0))
        self.source = f"{self.role}-{getattr(runner, 'worker_index', 0)}-{os.getpid()}"
        self.aggregate = Aggregate() if self.role != "worker" else None
        self.finals: set[str] = set()
        self.written = False
        self.stopped_at: float | None = None
        self.greenlets: list[Any] = []
        self.headers = {"content-type": "application/json"}
        api_key = os.environ.get(str(getattr(opts, "golive_api_key_env", "") or "QDRANT_API_KEY"))
        if api_key:
            self.headers["api-key"] = api_key
        self.call = gevent_call(environment.host, float(opts.golive_timeout), self.headers)
        self.collection = probe.pick_collection(self.call, opts.golive_collection or None)
        self.sample: probe.Sample | None = None
        self.vector_json: list[str] = []
        self.recorder: Recorder | None = None
        self.pacer: Pacer | None = None
        writes = any(getattr(cls, "writes", False) for cls in environment.user_classes)
        if self.role != "worker" and writes and not getattr(opts, "golive_probe_collection", ""):
            sample = probe.sample_points(self.call, self.collection, limit=1)
            name = probe.probe_name(opts.golive_run_id, "load")
            probe.create_probe_collection(self.call, name, sample.size, sample.distance)
            opts.golive_probe_collection = name
        self.probe_collection: str = getattr(opts, "golive_probe_collection", "")
        if self.role != "master":
            using = getattr(opts, "golive_vector", None) or None
            self.sample = probe.sample_points(self.call, self.collection, using=using)
            needs_sparse = any(getattr(cls, "needs_sparse", False) for cls in environment.user_classes)
            if needs_sparse and not self.sample.sparse:
                raise probe.QdrantCallError(
                    f"the scenario needs a collection with sparse vectors; {self.collection!r} has none "
                    "(--golive-collection / load.collection)"
                )
            self.vector_json = [json.dumps(v, separators=(",", ":")) for v in self.sample.vectors]
            if self.role == "local":  # the clock starts once the setup above is done
                opts.golive_t0 = time.time() + 0.2
                self._set_times(float(opts.golive_t0))
            self.recorder = Recorder(self.window, float(opts.golive_tolerance))
            self.pacer = Pacer(float(opts.golive_per_user_rate), str(opts.golive_arrival), self.t0, self.t_end)
            self.greenlets.append(gevent.spawn(self._sample_cpu))
        if self.role == "worker":
            self.greenlets.append(gevent.spawn(self._flush_loop))
        else:
            self.greenlets.append(gevent.spawn(self._control))

    def _set_times(self, t0: float) -> None:
        self.t0 = t0
        self.warmup = float(self.opts.golive_warmup)
        self.duration = float(self.opts.golive_duration)
        self.t_end = self.t0 + self.warmup + self.duration
        self.window = (self.t0 + self.warmup, self.t_end)

    # --- generator side -------------------------------------------------------------------------------
    def _sample_cpu(self) -> None:
        proc = psutil.Process()
        proc.cpu_percent(None)
        while True:
            gevent.sleep(1.0)
            assert self.recorder is not None
            self.recorder.on_cpu(int(time.time()) - 1, proc.cpu_percent(None))

    def _flush_loop(self) -> None:
        while True:
            gevent.sleep(1.0)
            self.send_delta(final=False)

    def send_delta(self, final: bool) -> None:
        assert self.recorder is not None
        delta = self.recorder.drain(before=None if final else time.time())
        if self.aggregate is not None:
            self.aggregate.add(self.source, delta)
        else:
            self.env.runner.send_message("golive_delta", {"source": self.source, "delta": delta, "final": final})

    def wind_down(self, wait: float = 1.0) -> None:
        """Stop handing out slots and give in-flight requests up to ``wait`` seconds (an early stop)."""
        if self.pacer is not None:
            self.stopped_at = self.stopped_at or time.time()
            self.finish_schedule()
        deadline = time.time() + wait
        while self.recorder is not None and self.recorder.inflight > 0 and time.time() < deadline:
            gevent.sleep(0.02)

    def finish_schedule(self) -> None:
        """Count the slots nobody took before the end (not sent) and stop handing out new ones."""
        if self.pacer is None or self.recorder is None:
            return
        for intended in self.pacer.remaining(until=min(now(), self.t_end)):
            self.recorder.on_not_sent(intended)

    # --- master / local side ----------------------------------------------------------------------------
    def on_delta(self, msg: Any, **_kw: Any) -> None:
        assert self.aggregate is not None
        data = msg.data
        self.aggregate.add(str(data["source"]), data["delta"])
        if data.get("final"):
            self.finals.add(str(data["source"]))

    def inflight(self) -> int:
        if self.recorder is not None:
            return self.recorder.inflight
        assert self.aggregate is not None
        return self.aggregate.total_inflight()

    def _control(self) -> None:
        grace = float(self.opts.golive_grace)
        last_printed = int(self.t0) - 1
        lag = 2 if self.role == "master" else 1  # workers' deltas for a second arrive up to a second later
        deadline = self.t_end + max(0.5, grace - 1.0)
        while True:
            t = time.time()
            if self.recorder is not None:
                self.send_delta(final=False)
            if self.opts.golive_progress:
                for sec in range(last_printed + 1, int(t) + 1 - lag):
                    self._print_progress(sec)
                last_printed = max(last_printed, int(t) - lag)
            if t >= deadline or (t >= self.t_end and self.inflight() == 0):
                break
            gevent.sleep(min(1.0 - (t % 1.0) + 0.01, max(0.05, self.t_end - t)))
        if self.role == "master":
            self.env.runner.stop()
            if self.opts.golive_progress:
                for sec in range(last_printed + 1, int(time.time())):
                    self._print_progress(sec)
        if self.opts.headless or self.role == "local":
            self.env.runner.quit()
        else:
            self.env.runner.stop()

    def _print_progress(self, sec: int) -> None:
        assert self.aggregate is not None
        b = self.aggregate.seconds.get(sec)
        stats = summarize(b.hist) if b else {"p95": None}
        cpus = [c[max(s for s in c if s <= sec)] for c in self.aggregate.cpu.values() if any(s <= sec for s in c)]
        line = {
            "elapsed": sec - int(self.t0),
            "phase": "warmup" if sec < self.window[0] else "steady" if sec < self.t_end else "drain",
            "ok": b.ok if b else 0,
            "errors": b.errors if b else 0,
            "late": b.late if b else 0,
            "p95": stats["p95"],
            "cpu": max(cpus) if cpus else None,
        }
        sys.stdout.write(PROGRESS_PREFIX + json.dumps(line) + "\n")
        sys.stdout.flush()

    def result(self) -> dict[str, Any]:
        assert self.aggregate is not None
        stopped = self.stopped_at or time.time()
        interrupted = stopped < self.t_end - 0.5
        window = (self.window[0], min(self.window[1], stopped) if interrupted else self.window[1])
        meta = {
            "scenario": Path(str(getattr(self.opts, "locustfile", "") or "")).stem or None,
            "host": self.env.host,
            "collection": self.collection,
            "probe_collection": self.probe_collection or None,
            "run_id": self.opts.golive_run_id,
            "rate": float(self.opts.golive_rate),
            "arrival": self.opts.golive_arrival,
            "warmup": self.warmup,
            "duration": self.duration,
            "t0": self.t0,
            "window": window,
            "tolerance": float(self.opts.golive_tolerance),
            "users": int(self.opts.golive_users),
            "mode": self.role,
            "generators": sorted(self.aggregate.cpu),
            "interrupted": interrupted,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t0)),
        }
        return self.aggregate.to_dict(meta)

    def write_result(self) -> None:
        if self.written or self.aggregate is None:
            return
        self.written = True
        data = self.result()
        path = str(self.opts.golive_result or "")
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(path + ".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(path)
        else:
            s = data["summary"]["latency"]
            c = data["counts"]
            ms = {k: (None if s[k] is None else round(float(s[k]) * 1e3, 3)) for k in ("p50", "p95", "p99", "max")}
            sys.stdout.write(f"golive: steady window {ms} ms (from intended send time); counts {c}\n")

    def teardown(self) -> None:
        for g in self.greenlets:
            if g is not gevent.getcurrent():
                g.kill(block=False)
        if self.role != "worker" and self.probe_collection and not getattr(self.opts, "_golive_kept", False):
            try:
                probe.delete_probe_collection(self.call, self.probe_collection)
            except Exception as exc:  # the run's result matters more; say what is left behind
                sys.stderr.write(f"golive: could not remove {self.probe_collection}: {exc}\n")


_RUN: Run | None = None


def active() -> Run | None:
    """This process's run, or ``None`` before ``test_start`` (or after its setup failed)."""
    return _RUN


def current_run() -> Run:
    if _RUN is None:
        raise RuntimeError("no golive load run in this process (test_start has not fired)")
    return _RUN


def begin(environment: Any) -> Run:
    """Tear down the previous run of this process (if any) and set up the next; on failure there is none."""
    global _RUN
    if _RUN is not None:
        _RUN.teardown()
    try:
        _RUN = Run(environment)
    except Exception:
        _RUN = None
        raise
    return _RUN


def gevent_call(host: str, timeout: float, headers: dict[str, str]) -> probe.Call:
    """The ``(method, path, body) -> (status, json or text)`` call the probe-collection helpers take, over a
    fresh :class:`Connection` per call (setup and teardown only: the paced requests use the users' own)."""

    def call(method: str, path: str, body: Any) -> tuple[int, Any]:
        conn = Connection(host, timeout, headers)
        try:
            status, raw = conn.request(method, path, b"" if body is None else json.dumps(body).encode())
        finally:
            conn.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode("utf-8", "replace")
        return status, data

    return call
