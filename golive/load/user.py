"""The abstract locust ``User`` behind every scenario in ``loadtests/``, and the run coordination.

A locustfile stays thin::

    from locust import task
    from golive.load.user import QdrantUser

    class SearchUser(QdrantUser):
        @task
        def search(self) -> None:
            self.query()

What this module adds to locust (all of it also works with plain ``locust -f loadtests/search.py``):

- open-model pacing: ``wait_time`` hands each user the next slot of the process's :class:`Pacer`, so requests
  leave at intended times whatever the target does; latency is measured from that intended time;
- timing with ``perf_counter`` into HdrHistograms (µs) and locust's request event with float milliseconds;
  a response counts as success only with HTTP 200, ``status: ok`` and a non-empty result;
- the server's own ``time`` field kept beside the client's numbers;
- per-second deltas sent from workers to the master (``golive_delta`` messages), CPU of every generator
  process sampled with psutil, progress lines (``GOLIVE-PROGRESS {json}``) and the result JSON written by the
  master (or the local runner) with ``--golive-result``;
- the run ends itself at warm-up + duration (+ grace for in-flight requests), and cleans up the probe
  collection a writing scenario created in ``test_start``.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import gevent
import psutil
from locust import User, events
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from golive.fields import parse_duration, parse_rate
from golive.load.rawhttp import Connection
from golive.load.schedule import Pacer, Slot
from golive.load.stats import Aggregate, Recorder, summarize
from golive.probes import probe_collections as probe

PROGRESS_PREFIX = "GOLIVE-PROGRESS "
# gevent's timers overshoot by ~0.1 ms with the select backend (the driver sets GEVENT_BACKEND=select; the
# default epoll backend rounds up to whole milliseconds): wake that much early. A request that still leaves
# before its intended time is timed from when it left.
EARLY_WAKE = 0.0001
_OFFSET = time.time() - time.perf_counter()


def now() -> float:
    """Wall-clock seconds with perf_counter resolution (one time base for pacing, timing and windows)."""
    return time.perf_counter() + _OFFSET


class RequestError(Exception):
    """A request that did not succeed; its text is the error kind (``HTTP 503``, ``empty result``, ...)."""


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return parse_duration(text)


def _rate(text: str) -> float:
    return parse_rate(text)


def _add_arguments(parser: Any, **_kw: Any) -> None:
    group = parser.add_argument_group("golive", "open-model pacing and precise timing (golive.load)")
    group.add_argument("--golive-rate", type=_rate, default=100.0, help="total arrival rate, req/s")
    group.add_argument("--golive-arrival", choices=("constant", "poisson"), default="constant")
    group.add_argument("--golive-warmup", type=_seconds, default=5.0, help="warm-up excluded from stats")
    group.add_argument("--golive-duration", type=_seconds, default=30.0, help="steady window length")
    group.add_argument("--golive-grace", type=_seconds, default=5.0, help="wait for in-flight at the end")
    group.add_argument("--golive-timeout", type=_seconds, default=10.0, help="per-request timeout")
    group.add_argument("--golive-tolerance", type=_seconds, default=0.002, help="allowed send lateness")
    group.add_argument("--golive-collection", default="", help="collection to query (default: first)")
    group.add_argument("--golive-run-id", default="", help="names the probe collection of writing scenarios")
    group.add_argument("--golive-result", default="", help="write the result JSON here (master/local)")
    group.add_argument("--golive-progress", action="store_true", help="print a progress line every second")
    group.add_argument("--golive-api-key-env", default="QDRANT_API_KEY", help="env var holding the API key")


class _Run:
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
        self.call = _gevent_call(environment.host, float(opts.golive_timeout), self.headers)
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
            self.sample = probe.sample_points(self.call, self.collection)
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
            self._send_delta(final=False)

    def _send_delta(self, final: bool) -> None:
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
                self._send_delta(final=False)
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


_RUN: _Run | None = None


def current_run() -> _Run:
    if _RUN is None:
        raise RuntimeError("no golive load run in this process (test_start has not fired)")
    return _RUN


def _gevent_call(host: str, timeout: float, headers: dict[str, str]) -> probe.Call:
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


def _on_init(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message("golive_delta", lambda msg, **kw: current_run().on_delta(msg))


def _on_test_start(environment: Any, **_kw: Any) -> None:
    global _RUN
    if _RUN is not None:
        _RUN.teardown()
    try:
        _RUN = _Run(environment)
    except Exception as exc:  # target unreachable, collection missing, ...: end the run with one clear line
        _RUN = None
        message = f"load setup against {environment.host} failed: {type(exc).__name__}: {exc}"
        sys.stderr.write(f"golive: {message}\n")
        path = str(getattr(environment.parsed_options, "golive_result", "") or "")
        if path and not isinstance(environment.runner, WorkerRunner):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps({"error": message}))
        gevent.spawn(environment.runner.quit)
        return
    gc.collect()
    gc.freeze()  # setup garbage stays out of the collector's way: fewer pauses while pacing


def _on_test_stop(environment: Any, **_kw: Any) -> None:
    run = _RUN
    if run is None:
        return
    run.stopped_at = run.stopped_at or time.time()
    if run.role != "master":
        run.finish_schedule()
        run._send_delta(final=True)
    if run.role == "local" or (run.role == "master" and run.finals >= set(run.aggregate.cpu if run.aggregate else ())):
        run.write_result()
    if run.role != "master":
        for g in run.greenlets:
            if g is not gevent.getcurrent():
                g.kill(block=False)


def _on_quitting(environment: Any, **_kw: Any) -> None:
    run = _RUN
    if run is None:
        return
    run.stopped_at = run.stopped_at or time.time()
    run.write_result()
    run.teardown()


_events: Any = events
_events.init_command_line_parser.add_listener(_add_arguments)
_events.init.add_listener(_on_init)
_events.test_start.add_listener(_on_test_start)
_events.test_stop.add_listener(_on_test_stop)
_events.quitting.add_listener(_on_quitting)


class QdrantUser(User):
    """Abstract paced user for Qdrant's REST API; scenarios add ``@task`` methods calling :meth:`query` etc."""

    abstract = True
    writes: ClassVar[bool] = False  # True: a golive probe collection is created for this scenario
    limit: ClassVar[int] = 10
    hnsw_ef: ClassVar[int | None] = 64

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._run_or_none = _RUN
        timeout = float(_RUN.opts.golive_timeout) if _RUN else 10.0
        self._http = Connection(str(self.host), timeout, _RUN.headers if _RUN else {})
        self._slot: Slot | None = None
        self.rng = random.Random()

    # --- pacing -------------------------------------------------------------------------------------------
    @property
    def run_state(self) -> _Run:
        run = self._run_or_none
        assert run is not None
        return run

    def on_start(self) -> None:
        if self._run_or_none is None:  # the run's setup failed (said on stderr): nothing to send
            raise StopUser()
        pacer = self.run_state.pacer
        assert pacer is not None
        pacer.expect(int(getattr(self.environment.runner, "target_user_count", 0) or 0))
        pacer.join()
        gevent.sleep(self.wait_time())

    def on_stop(self) -> None:
        if self._run_or_none is not None and self._run_or_none.pacer is not None:
            self._run_or_none.pacer.leave()
        self._http.close()

    def wait_time(self) -> float:
        """Take the next slot of the schedule; sleep until it is due."""
        run = self.run_state
        assert run.pacer is not None
        assert run.recorder is not None
        t = now()
        slot = run.pacer.next_slot(t)
        self._slot = slot
        if slot is None:
            return max(1.0, run.t_end + float(run.opts.golive_grace) - t)
        return max(0.0, slot.intended - t - EARLY_WAKE)

    # --- requests -----------------------------------------------------------------------------------------
    def random_vector_json(self) -> str:
        return self.rng.choice(self.run_state.vector_json)

    def query_body(self, filter_json: str | None = None, vector_json: str | None = None) -> str:
        sample = self.run_state.sample
        assert sample is not None
        parts = [f'"query":{vector_json or self.random_vector_json()}', f'"limit":{self.limit}']
        if sample.using:
            parts.append(f'"using":{json.dumps(sample.using)}')
        if self.hnsw_ef:
            parts.append(f'"params":{{"hnsw_ef":{self.hnsw_ef}}}')
        if filter_json:
            parts.append(f'"filter":{filter_json}')
        return "{" + ",".join(parts) + "}"

    def payload_filter(self, keys: tuple[str, ...]) -> str | None:
        """A ``must``/``match`` filter on the first of ``keys`` that a random stored point carries."""
        sample = self.run_state.sample
        assert sample is not None
        payload = self.rng.choice(sample.payloads) if sample.payloads else {}
        for key in keys:
            value = payload.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return json.dumps({"must": [{"key": key, "match": {"value": value}}]}, separators=(",", ":"))
        return None

    def query(self, name: str = "query", filter_json: str | None = None) -> None:
        """One search by a stored vector: success needs at least one point back."""
        path = f"/collections/{self.run_state.collection}/points/query"
        self.send("POST", path, self.query_body(filter_json), name, _points_nonempty)

    def query_batch(self, size: int = 8, name: str = "query_batch") -> None:
        body = '{"searches":[' + ",".join(self.query_body() for _ in range(size)) + "]}"
        path = f"/collections/{self.run_state.collection}/points/query/batch"
        self.send("POST", path, body, name, _batch_nonempty)

    def upsert_probe(self, n: int = 1, name: str = "upsert_probe") -> None:
        """Write ``n`` points (stored vectors of the queried collection) into this run's probe collection."""
        collection = self.run_state.probe_collection
        if not collection:
            raise RuntimeError("upsert_probe needs a scenario with writes = True")
        points = ",".join(
            f'{{"id":{self.rng.randrange(1, 2**53)},"vector":{self.random_vector_json()},"payload":{{"golive":1}}}}'
            for _ in range(n)
        )
        self.send("PUT", f"/collections/{collection}/points?wait=true", '{"points":[' + points + "]}", name, _upserted)

    def send(self, method: str, path: str, body: str, name: str, check: Check) -> None:
        """Send at the held slot's time; record latency from the intended time, service time and server time."""
        slot, self._slot = self._slot, None
        if slot is None:
            return
        run = self.run_state
        recorder = run.recorder
        assert recorder is not None
        start = now()
        recorder.on_scheduled(slot.intended)  # counted when due: a slot still held when the run stops is not
        late = recorder.on_sent(slot.intended, start - slot.intended, slot.taken_late)
        error: str | None = None
        server: float | None = None
        length = 0
        try:
            status, raw = self._http.request(method, path, body.encode())
            end = now()
            length = len(raw)
            error, server = (f"HTTP {status}", None) if status != 200 else judge_response(raw, check)
        except Exception as exc:
            end = now()
            error = type(exc).__name__
        recorder.on_done(slot.intended, end, end - start, server, error, late)
        self.environment.events.request.fire(
            request_type=method,
            name=name,
            response_time=(end - start) * 1e3,
            response_length=length,
            exception=None if error is None else RequestError(error),
            context={},
        )


_TIME_RE = re.compile(rb'"time":\s*([0-9.eE+-]+)')


class Check:
    """Success test of a response body: byte markers for Qdrant's compact JSON, a full parse otherwise
    (keeps the generator's CPU per request low; the markers never decide on anything but compact JSON)."""

    def __init__(self, empty: tuple[bytes, ...], full: tuple[bytes, ...], parsed: Callable[[Any], str | None]):
        self.empty, self.full, self.parsed = empty, full, parsed

    def __call__(self, raw: bytes) -> str | None:
        if any(marker in raw for marker in self.empty):
            return "empty result"
        if any(marker in raw for marker in self.full):
            return None
        return self.parsed(json.loads(raw).get("result"))


def judge_response(raw: bytes, check: Check) -> tuple[str | None, float | None]:
    """(error or None, server ``time``) of an HTTP 200 answer."""
    tail = raw[-128:]
    if b'"status":"ok"' not in tail:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("status") != "ok":
            return "status not ok", None
        server = data.get("time")
        return check.parsed(data.get("result")), float(server) if isinstance(server, int | float) else None
    match = _TIME_RE.search(tail)
    return check(raw), float(match.group(1)) if match else None


def _points_parsed(result: Any) -> str | None:
    points = result.get("points") if isinstance(result, dict) else result
    return None if isinstance(points, list) and points else "empty result"


def _batch_parsed(result: Any) -> str | None:
    if not isinstance(result, list) or not result:
        return "empty result"
    return next((e for e in (_points_parsed(r) for r in result) if e), None)


def _upsert_parsed(result: Any) -> str | None:
    ok = isinstance(result, dict) and result.get("status") in ("completed", "acknowledged")
    return None if ok else "upsert not completed"


_points_nonempty = Check((b'"points":[]',), (b'"points":[{',), _points_parsed)
_batch_nonempty = Check((b'"points":[]', b'"result":[]'), (b'"points":[{',), _batch_parsed)
_upserted = Check((), (b'"status":"completed"', b'"status":"acknowledged"'), _upsert_parsed)
