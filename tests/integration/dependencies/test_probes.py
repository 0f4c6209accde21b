"""The probes themselves against the real servers: read-only, bounded, and the values they return."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from golive.probes.dependencies.network import observe_connect
from golive.probes.dependencies.postgres import APPLICATION_NAME, PostgresObservation, deadline, observe_postgres
from golive.probes.dependencies.redis import RedisProbe
from golive.probes.dependencies.settings import Dependency

from .conftest import PG_PASSWORD, REDIS_PASSWORD
from .servers import PostgresServer, RedisServer

pytestmark = pytest.mark.integration

# what the Redis probe may send: the handshake (AUTH/HELLO, CLIENT SETNAME) and then PING and INFO only
REDIS_PROBE_COMMANDS = {"auth", "hello", "client|setname", "ping", "info"}


def test_redis_probe_sends_only_ping_and_info(redis_server: RedisServer) -> None:
    admin = redis_server.admin
    keys_before = admin.dbsize()
    dep = Dependency.model_validate({"name": "cache", "kind": "redis", "url": redis_server.url})
    admin.config_resetstat()
    probe = RedisProbe(dep, REDIS_PASSWORD)
    try:
        seen = probe.observe()
        again = probe.rejected_connections()
    finally:
        probe.close()
    stats = admin.info("commandstats")
    used = {name.removeprefix("cmdstat_") for name in stats} - {"config|resetstat", "info"}  # the admin's own
    assert used <= REDIS_PROBE_COMMANDS, used
    assert stats["cmdstat_ping"]["calls"] == 1 + 50  # one PING, then the burst
    assert admin.dbsize() == keys_before
    assert seen.error is None
    assert (seen.role, seen.maxmemory) == ("master", 100 * 1024 * 1024)
    assert seen.ping is not None
    assert seen.ping.count == 50
    assert not isinstance(again, str)
    assert again[0] == seen.rejected_connections


def test_postgres_probe_runs_in_a_read_only_transaction(postgres_server: PostgresServer) -> None:
    dep = Dependency.model_validate({"name": "db", "kind": "postgres", "url": postgres_server.url})
    seen = observe_postgres(dep, PG_PASSWORD)
    assert seen.error is None
    assert seen.read_only, "the probe's transaction must be READ ONLY (a write in it would be refused)"
    assert (seen.database, seen.role, seen.max_connections) == ("app", "primary", 30)
    assert seen.connections_in_use >= 1
    assert seen.latency is not None
    assert seen.latency.count == 20


def test_a_backend_frozen_mid_burst_costs_at_most_the_deadline(postgres_server: PostgresServer) -> None:
    """SIGSTOP on the probe's own backend while it runs its burst: the probe gives up at its deadline."""
    dep = Dependency.model_validate(
        {"name": "db", "kind": "postgres", "url": postgres_server.url, "timeout": "1s", "postgres": {"burst": 1000}}
    )
    limit = deadline(dep)
    assert limit == 4.0  # libpq's 2 s connect minimum + 2 x 1 s for the queries
    for _ in range(3):  # the burst lasts ~0.1 s: catching the backend in it may take a second try
        done: list[tuple[PostgresObservation, float]] = []

        def probe(done: list[tuple[PostgresObservation, float]] = done) -> None:
            start = time.perf_counter()
            seen = observe_postgres(dep, PG_PASSWORD)
            done.append((seen, time.perf_counter() - start))

        worker = threading.Thread(target=probe, daemon=True)
        frozen: int | None = None
        with postgres_server.admin() as admin:
            worker.start()
            while worker.is_alive() and frozen is None:
                row = admin.execute(  # connected and inside its read-only transaction: past the connect
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                    " AND state IN ('active', 'idle in transaction')",
                    (APPLICATION_NAME,),
                ).fetchone()
                if row:
                    frozen = int(row[0])
                    os.kill(frozen, signal.SIGSTOP)
            try:
                worker.join(limit + 5)
            finally:
                if frozen is not None:
                    os.kill(frozen, signal.SIGCONT)
        if frozen is not None and done and (done[0][0].error or "").startswith("no answer"):
            break
    else:
        pytest.fail("the probe's backend was never caught in its burst in 3 tries")
    seen, took = done[0]
    assert seen.error == f"no answer from 127.0.0.1:{postgres_server.port} within 4 s (the server hangs)"
    assert limit - 0.5 < took < limit + 1.0


def test_a_connect_that_times_out_names_host_port_and_timeout() -> None:
    """A listener whose accept queue is full drops further SYNs: the connect times out, once, at its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        fillers = []
        try:
            for _ in range(4):  # fill the accept queue (never accepted)
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.2)  # let the handshakes land in the queue before the probe's SYN
            start = time.perf_counter()
            seen = observe_connect("127.0.0.1", port, count=20, timeout=0.5)
            took = time.perf_counter() - start
        finally:
            for filler in fillers:
                filler.close()
    assert seen.error == f"TCP connect to 127.0.0.1:{port} timed out after 0.5 s"
    assert took < 1.5  # it stops at the first connect that times out instead of trying the whole burst of 20
