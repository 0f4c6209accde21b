"""The abstract paced locust ``User`` behind every scenario in ``loadtests/``.

A locustfile stays thin::

    from locust import task
    from golive.load.generator.user import QdrantUser

    class SearchUser(QdrantUser):
        @task
        def search(self) -> None:
            self.query()

What the user adds to locust (all of it also works with plain ``locust -f loadtests/search.py``):

- open-model pacing: ``wait_time`` hands each user the next slot of the process's :class:`Pacer`, so requests
  leave at intended times whatever the target does; latency is measured from that intended time;
- timing with ``perf_counter`` into HdrHistograms (µs) and locust's request event with float milliseconds;
  a response counts as success only with HTTP 200, ``status: ok`` and a non-empty result
  (:mod:`golive.load.generator.responses`);
- the server's own ``time`` field kept beside the client's numbers.

Importing this module registers the ``--golive-*`` options and the run's listeners
(:mod:`golive.load.generator.listeners`): the per-process coordinator (:mod:`golive.load.generator.coordinator`)
sends per-second deltas to the master, samples CPU, prints progress lines, writes the result JSON, ends the run
at warm-up + duration (+ grace) and cleans up the probe collection a writing scenario created in ``test_start``.
"""

from __future__ import annotations

import json
import random
from typing import Any, ClassVar

import gevent
from locust import User
from locust.exception import StopUser

from golive.load.generator import coordinator, listeners
from golive.load.generator.coordinator import Run
from golive.load.generator.rawhttp import Connection
from golive.load.generator.responses import (
    BATCH_NONEMPTY,
    POINTS_NONEMPTY,
    UPSERTED,
    Check,
    RequestError,
    judge_response,
)
from golive.load.generator.schedule import Slot, now

listeners.register()  # a locustfile importing the user gets the --golive-* options and the run's listeners

# gevent's timers overshoot by ~0.1 ms with the select backend (the driver sets GEVENT_BACKEND=select; the
# default epoll backend rounds up to whole milliseconds): wake that much early. A request that still leaves
# before its intended time is timed from when it left.
EARLY_WAKE = 0.0001


class QdrantUser(User):
    """Abstract paced user for Qdrant's REST API; scenarios add ``@task`` methods calling :meth:`query` etc."""

    abstract = True
    writes: ClassVar[bool] = False  # True: a golive probe collection is created for this scenario
    needs_sparse: ClassVar[bool] = False  # True: the run refuses to start on a collection without sparse vectors
    limit: ClassVar[int] = 10
    hnsw_ef: ClassVar[int | None] = 64

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        run = self._run_or_none = coordinator.active()
        timeout = float(run.opts.golive_timeout) if run else 10.0
        self._http = Connection(str(self.host), timeout, run.headers if run else {})
        self._slot: Slot | None = None
        self.rng = random.Random()

    # --- pacing -------------------------------------------------------------------------------------------
    @property
    def run_state(self) -> Run:
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
        self.send("POST", path, self.query_body(filter_json), name, POINTS_NONEMPTY)

    def hybrid_query(self, name: str = "query_hybrid", candidates: int = 20) -> None:
        """One hybrid search: a stored dense vector and a stored sparse vector, each prefetching ``candidates``,
        fused with RRF. The collection needs a sparse vector (``Sample.sparse``)."""
        sample = self.run_state.sample
        assert sample is not None
        assert sample.sparse_using is not None  # needs_sparse: the run's setup refused a collection without them
        dense = f'{{"query":{self.random_vector_json()},"limit":{candidates}'
        dense += f',"using":{json.dumps(sample.using)}}}' if sample.using else "}"
        stored = self.rng.choice(sample.sparse)
        sparse = json.dumps({"query": stored, "using": sample.sparse_using, "limit": candidates})
        body = f'{{"prefetch":[{dense},{sparse}],"query":{{"fusion":"rrf"}},"limit":{self.limit}}}'
        self.send("POST", f"/collections/{sample.collection}/points/query", body, name, POINTS_NONEMPTY)

    def query_batch(self, size: int = 8, name: str = "query_batch") -> None:
        body = '{"searches":[' + ",".join(self.query_body() for _ in range(size)) + "]}"
        path = f"/collections/{self.run_state.collection}/points/query/batch"
        self.send("POST", path, body, name, BATCH_NONEMPTY)

    def upsert_probe(self, n: int = 1, name: str = "upsert_probe") -> None:
        """Write ``n`` points (stored vectors of the queried collection) into this run's probe collection."""
        collection = self.run_state.probe_collection
        if not collection:
            raise RuntimeError("upsert_probe needs a scenario with writes = True")
        points = ",".join(
            f'{{"id":{self.rng.randrange(1, 2**53)},"vector":{self.random_vector_json()},"payload":{{"golive":1}}}}'
            for _ in range(n)
        )
        self.send("PUT", f"/collections/{collection}/points?wait=true", '{"points":[' + points + "]}", name, UPSERTED)

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
