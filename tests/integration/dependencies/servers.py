"""Real redis-server and PostgreSQL child processes on free loopback ports, in temporary directories.

``with running_redis(tmp, password="pw") as r:`` ... ``r.url``, ``r.admin`` (a redis-py client for the test's
own faults), ``r.stop()``. ``with running_postgres(tmp, password="pw") as pg:`` ... ``pg.url``,
``pg.admin()`` (a superuser connection over the Unix socket). PostgreSQL refuses to run as root, so as root
it runs as the ``postgres`` system user (the Debian package creates it). Both are stopped and their
directories removed on leaving the block, also when the test failed.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from support.ports import free_port

from golive.waiting import wait_until

PG_USER = "golive"
PG_DB = "app"


def _die_with_us() -> Callable[[], None]:
    """A ``preexec_fn``: the server gets SIGTERM when this test process dies, even by SIGKILL (Linux), so a
    killed test run leaves no Redis or PostgreSQL behind (PostgreSQL: it stops once its clients are gone)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG; runs after the switch to the postgres user
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ---------------------------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path  # for IP 127.0.0.1, signed by ca
    key: Path  # readable by the postgres user only (PostgreSQL insists)


@contextmanager
def tls_certificates() -> Iterator[Certs]:
    """A throw-away CA and a server certificate for 127.0.0.1, made with the openssl command line."""
    work = Path(tempfile.mkdtemp(prefix="golive-tls-"))
    try:
        os.chmod(work, 0o755)
        ca, ca_key, cert, key, csr = (work / n for n in ("ca.crt", "ca.key", "server.crt", "server.key", "s.csr"))
        ext = work / "ext.cnf"
        ext.write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
        for argv in (
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "1",
             "-subj", "/CN=golive test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "1",
             "-extfile", ext],
        ):  # fmt: skip
            subprocess.run(["openssl", *map(str, argv)], check=True, capture_output=True)
        os.chmod(key, 0o600)
        _chown(key)
        os.chmod(cert, 0o644)
        yield Certs(ca, cert, key)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    port: int
    password: str
    dir: Path
    proc: subprocess.Popen[bytes]
    tls_port: int | None = None
    admin: redis.Redis = field(init=False)

    def __post_init__(self) -> None:
        self.admin = redis.Redis(port=self.port, password=self.password, socket_timeout=5, socket_connect_timeout=5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def tls_url(self) -> str:
        assert self.tls_port, "started without tls="
        return f"rediss://127.0.0.1:{self.tls_port}/0"

    def stop(self) -> None:
        self.admin.close()
        _stop(self.proc)


@contextmanager
def running_redis(
    base: Path, *, password: str, maxmemory: str = "100mb", args: tuple[str, ...] = (), tls: Certs | None = None
) -> Iterator[RedisServer]:
    """A redis-server with ``requirepass``; with ``tls`` it also serves TLS on ``tls_port`` (``tls_url``)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (Debian package redis-server; .ci/run installs it)"
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="golive-redis-", dir=base))
    log = work / "redis.log"
    tls_port = free_port() if tls else None
    if tls:
        args = (*args, "--tls-port", str(tls_port), "--tls-cert-file", str(tls.cert), "--tls-key-file", str(tls.key),
                "--tls-ca-cert-file", str(tls.ca), "--tls-auth-clients", "no")  # fmt: skip
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password, "--dir", str(work),
         "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(log), "--maxmemory", maxmemory,
         *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_us(),
    )  # fmt: skip
    server = RedisServer(port, password, work, proc, tls_port)
    try:
        wait_until(server.admin.ping, timeout=20, describe=f"redis-server on {port}", ignore=(redis.RedisError,))
        yield server
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- PostgreSQL


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    assert found, f"PostgreSQL's {name} is not installed (Debian package postgresql; .ci/run installs it)"
    return found[-1]


def _as_user() -> dict[str, Any]:
    """Popen arguments running PostgreSQL as the postgres system user when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class PostgresServer:
    port: int
    password: str
    data: Path
    sockets: Path
    settings: tuple[str, ...]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{PG_DB}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A superuser connection over the Unix socket (trust), autocommit."""
        return psycopg.connect(host=str(self.sockets), port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def start(self) -> None:
        args = [pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.sockets),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB",
                *[a for s in self.settings for a in ("-c", s)]]  # fmt: skip
        log = open(self.data.parent / f"postgres-{self.port}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, preexec_fn=_die_with_us(), **_as_user())
        log.close()
        wait_until(self._ready, timeout=60, describe=f"PostgreSQL on {self.port}", ignore=(psycopg.Error,))

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            tail = (self.data.parent / f"postgres-{self.port}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL exited with {self.proc.returncode}:\n{tail}")
        with self.admin() as conn:
            conn.execute("SELECT 1")
        return True

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGINT)  # fast shutdown: does not wait for clients to leave
            self.proc = None


def _initdb(data: Path) -> None:
    subprocess.run(
        [pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
         "--no-sync", "-E", "UTF8", "--locale=C"],
        check=True, capture_output=True, **_as_user(),
    )  # fmt: skip


def _pg_folders(work: Path) -> tuple[Path, Path]:
    """``work`` readable by all and owned by the postgres user, with its ``sockets/``; (data, sockets) paths."""
    os.chmod(work, 0o755)
    data, sockets = work / "data", work / "sockets"
    sockets.mkdir()
    _chown(sockets)
    _chown(work)
    return data, sockets


@contextmanager
def running_postgres(*, password: str, settings: tuple[str, ...] = ()) -> Iterator[PostgresServer]:
    """A fresh cluster with role ``golive`` (password ``password``) owning database ``app``."""
    work = Path(tempfile.mkdtemp(prefix="golive-pg-"))  # under /tmp itself: the postgres user must reach it
    try:
        data, sockets = _pg_folders(work)
        _initdb(data)
        server = PostgresServer(free_port(), password, data, sockets, settings)
        try:
            server.start()
            with server.admin() as conn:
                conn.execute(f"CREATE ROLE {PG_USER} LOGIN PASSWORD '{password}'")
                conn.execute(f"CREATE DATABASE {PG_DB} OWNER {PG_USER}")
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def running_standby(primary: PostgresServer) -> Iterator[PostgresServer]:
    """A real streaming standby of ``primary`` (pg_basebackup -R): in recovery, read-only, same role and db."""
    work = Path(tempfile.mkdtemp(prefix="golive-pg-standby-"))
    try:
        data, sockets = _pg_folders(work)
        subprocess.run(
            [pg_bin("pg_basebackup"), "-h", str(primary.sockets), "-p", str(primary.port), "-U", "postgres",
             "-D", str(data), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
            check=True, capture_output=True, **_as_user(),
        )  # fmt: skip
        standby = PostgresServer(free_port(), primary.password, data, sockets, primary.settings)
        try:
            standby.start()
            yield standby
        finally:
            standby.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
