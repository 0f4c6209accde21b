"""PostgreSQL with psycopg 3, read-only: a few catalog queries in a read-only transaction, then rolled back.

``observe_postgres(dep, password)`` -> ``PostgresObservation`` (version, recovery state, connections in use,
a timed burst of ``SELECT 1``) or one with ``error`` set. The session is opened with
``default_transaction_read_only=on`` and a ``statement_timeout``, ``connect_timeout`` is the entry's timeout
(libpq's minimum is 2 s), and the connection is closed before returning.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg

from golive.probes.dependencies.settings import Dependency
from golive.probes.dependencies.timing import Burst

APPLICATION_NAME = "golive-probe"
# libpq repeats the address we already name: 'connection failed: connection to server at "h", port 5 failed: '
_LIBPQ_PREFIX = re.compile(r'^(connection failed: )?connection to server at "[^"]*", port \d+ failed: ')
_FACTS = """
SELECT current_setting('server_version_num')::int,
       current_setting('server_version'),
       current_database(),
       pg_is_in_recovery(),
       current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
       current_setting('transaction_read_only') = 'on'
"""


@dataclass(frozen=True)
class PostgresObservation:
    error: str | None = None
    version: str = ""  # "15.8" from server_version_num
    version_text: str = ""  # server_version as the server writes it ("15.8 (Debian 15.8-1.pgdg120+1)")
    database: str = ""
    in_recovery: bool = False
    max_connections: int = 0
    reserved_connections: int = 0
    connections_in_use: int = 0  # client backends, this probe's own included
    read_only: bool = False  # the probe's own transaction was read-only (it always should be)
    latency: Burst | None = None

    @property
    def role(self) -> str:
        return "standby" if self.in_recovery else "primary"

    @property
    def connection_share(self) -> float:
        return self.connections_in_use / self.max_connections if self.max_connections else 0.0

    @property
    def evidence(self) -> dict[str, Any]:
        return {"version": self.version, "version_text": self.version_text, "role": self.role}


def _version(num: int) -> str:
    """``150008`` -> ``"15.8"``; before 10 the scheme was major.minor.patch (``90624`` -> ``"9.6.24"``)."""
    if num >= 100000:
        return f"{num // 10000}.{num % 10000}"
    return f"{num // 10000}.{num // 100 % 100}.{num % 100}"


def connect_kwargs(dep: Dependency, password: str | None) -> dict[str, Any]:
    """libpq parameters from the entry: host, port and database from the URL; the password from the caller."""
    parts = urlsplit(dep.url)
    options = dep.postgres
    sslmode = options.sslmode if options else "prefer"
    timeout_ms = max(1, int(dep.timeout * 1000))
    kwargs: dict[str, Any] = {
        "host": dep.host,
        "port": dep.port,
        "dbname": unquote(parts.path.lstrip("/")) or (unquote(parts.username) if parts.username else None),
        "user": unquote(parts.username) if parts.username else None,
        "password": password,
        "sslmode": sslmode,
        "connect_timeout": max(2, math.ceil(dep.timeout)),  # libpq's minimum is 2 s
        "keepalives": 1,  # a peer that vanished is noticed, and an abandoned probe thread ends
        "keepalives_idle": max(1, math.ceil(dep.timeout)),
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "application_name": APPLICATION_NAME,
        "options": f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}",
    }
    if dep.tls.ca_file:
        kwargs["sslrootcert"] = str(dep.tls.ca_file)
    return {k: v for k, v in kwargs.items() if v is not None}


def observe_postgres(dep: Dependency, password: str | None) -> PostgresObservation:
    """Connect, read the facts, time the burst; all of it within ``deadline(dep)`` seconds.

    libpq bounds the connect (``connect_timeout``) and the server bounds each query (``statement_timeout``),
    but nothing bounds a server that stops answering after the connect (a frozen backend, a stalled disk).
    So the work runs in a daemon thread that is abandoned at the deadline; its connection closes when the
    server answers again, or with the process.
    """
    seen: list[PostgresObservation] = []
    worker = threading.Thread(target=lambda: seen.append(_observe(dep, password)), name="golive-postgres-probe")
    worker.daemon = True
    worker.start()
    limit = deadline(dep)
    worker.join(limit)
    if seen:
        return seen[0]
    return PostgresObservation(error=f"no answer from {dep.address} within {limit:g} s (the server hangs)")


def deadline(dep: Dependency) -> float:
    """The most one observation may take: libpq's connect timeout plus twice the entry's timeout for the queries."""
    return max(2, math.ceil(dep.timeout)) + 2 * dep.timeout


def _observe(dep: Dependency, password: str | None) -> PostgresObservation:
    burst = dep.postgres.burst if dep.postgres else 20
    kwargs = connect_kwargs(dep, password)
    try:
        with psycopg.connect(**kwargs) as conn:
            conn.read_only = True  # every transaction psycopg opens is BEGIN READ ONLY
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
                cur.execute(_FACTS)
                facts = cur.fetchone()
                samples = []
                for _ in range(burst):
                    start = time.perf_counter()
                    cur.execute("SELECT 1")
                    cur.fetchone()
                    samples.append(time.perf_counter() - start)
            conn.rollback()
    except psycopg.Error as err:
        text = _LIBPQ_PREFIX.sub("", " ".join(str(err).split())) or type(err).__name__
        if "does not exist" in text and "database" in text:
            return PostgresObservation(error=f"database missing at {dep.address}: {text}")
        return PostgresObservation(error=f"cannot use {dep.address}: {text}")
    assert facts is not None
    num, version_text, database, in_recovery, max_conn, reserved, in_use, read_only = facts
    return PostgresObservation(
        version=_version(int(num)),
        version_text=str(version_text),
        database=str(database),
        in_recovery=bool(in_recovery),
        max_connections=int(max_conn),
        reserved_connections=int(reserved),
        connections_in_use=int(in_use),
        read_only=bool(read_only),
        latency=Burst.of(samples),
    )
