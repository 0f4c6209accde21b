"""The real dependency and network items against a real Redis, PostgreSQL and HTTP server: GO when healthy,
and each fault failing its own item with the numbers in the message."""

from __future__ import annotations

import contextlib
import shutil
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from support.ports import free_port

from golive.probes.dependencies.redis import CLIENT_NAME
from golive.waiting import wait_until

from .conftest import (
    MAX_CONNECTIONS,
    PG_PASSWORD,
    REDIS_PASSWORD,
    SECRETS_ENV,
    finish_dependency_checks,
    postgres_entry,
    redis_entry,
    run_dependency_checks,
    start_dependency_checks,
)
from .servers import (
    PG_DB,
    PG_USER,
    PostgresServer,
    RedisServer,
    running_postgres,
    running_redis,
    running_standby,
    tls_certificates,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REDIS_ITEMS = [f"GL-DEP-00{i}" for i in range(1, 8)]
POSTGRES_ITEMS = [f"GL-DEP-01{i}" for i in range(5)]
LOOSE = {"p50": "50ms", "p99": "500ms"}  # the machine is shared: these runs judge faults, not this box's speed


def labels(ids: list[str], name: str) -> set[str]:
    return {f"{i}[{name}]" for i in ids}


def test_healthy_dependencies_are_go_with_evidence(
    redis_server: RedisServer, postgres_server: PostgresServer, web_server: str, tmp_path: Path
) -> None:
    run = run_dependency_checks(
        tmp_path,
        [
            redis_entry("cache", redis_server.url, redis={"latency": LOOSE}, network=LOOSE),
            postgres_entry("appdb", postgres_server.url, postgres={"version": ">=13,<99", "latency": LOOSE},
                           network=LOOSE),
            {"name": "web", "kind": "http", "url": f"{web_server}/health", "http": {"text": "up"},
             "network": LOOSE},
            {"name": "gateway", "kind": "tcp", "url": f"tcp://127.0.0.1:{redis_server.port}", "network": LOOSE},
        ],
        SECRETS_ENV,
    )  # fmt: skip
    assert (run.code, run.verdict) == (0, "GO"), run.output[-4000:]
    expected = labels(REDIS_ITEMS, "cache") | labels(POSTGRES_ITEMS, "appdb") | {"GL-DEP-020[web]"}
    expected |= {f"GL-NET-001[{n}]" for n in ("cache", "appdb", "web", "gateway")}
    assert run.labels("passed") == expected
    assert run.labels("skipped") == set()
    redis_seen = run.check("GL-DEP-001[cache]")["properties"]["dependency"]
    assert redis_seen["role"] == "master"
    assert redis_seen["version"].count(".") == 2
    pg_seen = run.check("GL-DEP-010[appdb]")["properties"]["dependency"]
    assert pg_seen["role"] == "primary"
    assert pg_seen["version"].split(".")[0].isdigit()
    assert run.check("GL-NET-001[gateway]")["properties"]["connect"]["count"] == 20
    for secret in (REDIS_PASSWORD, PG_PASSWORD):
        assert secret not in run.output
        assert secret not in run.raw


def test_items_of_unlisted_kinds_are_not_collected(web_server: str, tmp_path: Path) -> None:
    run = run_dependency_checks(
        tmp_path, [{"name": "web", "kind": "http", "url": f"{web_server}/health", "network": None}]
    )
    assert (run.code, run.verdict) == (0, "GO"), run.output[-3000:]
    assert {c["label"] for c in run.summary["checks"]} == {"GL-DEP-020[web]"}
    assert "13 deselected" in run.output  # 7 Redis, 5 PostgreSQL and the network item: not collected, not skipped


@contextmanager
def hanging_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield int(s.getsockname()[1])


def test_each_fault_fails_its_own_item(
    redis_server: RedisServer, postgres_server: PostgresServer, web_server: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        stopped = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD))
        stopped.stop()
        full = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD))
        full.admin.config_set("maxmemory", 1024 * 1024)  # 1 MiB: below the ~1 MiB an idle Redis already uses
        broken_disk = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD))
        unlimited = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD, maxmemory="0"))
        _fail_rdb_save(broken_disk)
        broken_aof = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD, args=("--appendonly", "yes")))
        _fail_aof_rewrite(broken_aof)
        hang = stack.enter_context(hanging_port())
        closed = free_port()
        pg, rd = postgres_server.url, redis_server.url
        run = run_dependency_checks(
            tmp_path,
            [
                redis_entry("r-wrong-password", rd, password_env="GL_TEST_WRONG", network=None),
                redis_entry("r-stopped", stopped.url),
                redis_entry("r-full", full.url, network=None, redis={"latency": LOOSE}),
                redis_entry("r-disk", broken_disk.url, network=None, redis={"latency": LOOSE}),
                redis_entry("r-aof", broken_aof.url, network=None, redis={"latency": LOOSE}),
                redis_entry("r-unlimited", unlimited.url, network=None, redis={"latency": LOOSE}),
                redis_entry("r-not-replica", rd, severity="warning", network=None,
                            redis={"role": "replica", "latency": LOOSE}),
                redis_entry("r-slow", rd, network=None, redis={"latency": {"p50": "1us"}}),
                redis_entry("r-tls", rd.replace("redis://", "rediss://"), network=None, timeout="1s"),
                redis_entry("r-hang", f"redis://127.0.0.1:{hang}", timeout="1s", network=None),
                postgres_entry("pg-wrong-password", pg, password_env="GL_TEST_WRONG", network=None),
                postgres_entry("pg-no-variable", pg, password_env="GL_TEST_UNSET", network=None),
                postgres_entry("pg-no-database", pg.replace(f"/{PG_DB}", "/nosuchdb"), network=None),
                postgres_entry("pg-too-new", pg, network=None, postgres={"version": ">=99", "latency": LOOSE}),
                postgres_entry("pg-claimed-standby", pg, network=None, postgres={"standby": True, "latency": LOOSE}),
                postgres_entry("pg-ssl-required", pg, network=None, postgres={"sslmode": "require"}),
                postgres_entry("pg-hang", f"postgresql://{PG_USER}@127.0.0.1:{hang}/{PG_DB}", timeout="2s",
                               network=None),
                {"name": "web-404", "kind": "http", "url": f"{web_server}/missing", "network": None},
                {"name": "web-text", "kind": "http", "url": f"{web_server}/health", "http": {"text": "database ok"},
                 "network": None},
                {"name": "web-hang", "kind": "http", "url": f"http://127.0.0.1:{hang}/", "timeout": "1s",
                 "network": None},
                {"name": "net-closed", "kind": "tcp", "url": f"tcp://127.0.0.1:{closed}", "timeout": "1s"},
            ],
            SECRETS_ENV | {"GL_TEST_WRONG": "not-the-password-7c1e"},
        )  # fmt: skip
    assert (run.code, run.verdict) == (1, "NO-GO"), run.output[-4000:]
    assert run.failed == {
        "GL-DEP-001[r-wrong-password]",
        "GL-DEP-001[r-stopped]",
        "GL-NET-001[r-stopped]",
        "GL-DEP-004[r-full]",
        "GL-DEP-003[r-disk]",
        "GL-DEP-003[r-aof]",
        "GL-DEP-002[r-not-replica]",
        "GL-DEP-005[r-unlimited]",
        "GL-DEP-007[r-slow]",
        "GL-DEP-001[r-hang]",
        "GL-DEP-001[r-tls]",
        "GL-DEP-010[pg-ssl-required]",
        "GL-DEP-010[pg-wrong-password]",
        "GL-DEP-010[pg-no-variable]",
        "GL-DEP-010[pg-no-database]",
        "GL-DEP-011[pg-too-new]",
        "GL-DEP-013[pg-claimed-standby]",
        "GL-DEP-010[pg-hang]",
        "GL-DEP-020[web-404]",
        "GL-DEP-020[web-text]",
        "GL-DEP-020[web-hang]",
        "GL-NET-001[net-closed]",
    }, run.output[-6000:]
    m = run.message
    assert "authentication failed at 127.0.0.1:" in m("GL-DEP-001[r-wrong-password]")
    assert f"cannot connect to 127.0.0.1:{stopped.port}" in m("GL-DEP-001[r-stopped]")
    assert f"connection refused by 127.0.0.1:{stopped.port}" in m("GL-NET-001[r-stopped]")
    assert "of maxmemory 1,048,576 B" in m("GL-DEP-004[r-full]")
    assert "expected under 90.0%" in m("GL-DEP-004[r-full]")
    assert "rdb_last_bgsave_status 'err'" in m("GL-DEP-003[r-disk]")
    assert "aof_last_bgrewrite_status 'err'" in m("GL-DEP-003[r-aof]")
    assert "rdb_last_bgsave_status" not in m("GL-DEP-003[r-aof]")
    assert "maxmemory is 0 (unlimited), used_memory " in m("GL-DEP-005[r-unlimited]")
    assert run.check("GL-DEP-005[r-unlimited]")["severity"] == "warning"
    assert run.check("GL-DEP-004[r-unlimited]")["outcome"] == "passed"  # no limit to exceed: only the warning
    assert run.check("GL-DEP-004[r-unlimited]")["properties"]["memory"]["maxmemory"] == 0
    assert "INFO role is 'master'; expected 'replica'" in m("GL-DEP-002[r-not-replica]")
    assert run.check("GL-DEP-002[r-not-replica]")["severity"] == "warning"  # the entry's severity
    assert run.check("GL-DEP-001[r-stopped]")["severity"] == "blocker"
    assert run.check("GL-DEP-005[r-not-replica]")["severity"] == "warning"  # declared warning, whatever the entry
    assert "PING p50 " in m("GL-DEP-007[r-slow]")
    assert "over 50" in m("GL-DEP-007[r-slow]")
    assert ">= 1 µs" in m("GL-DEP-007[r-slow]")
    assert "timed out after 1 s" in m("GL-DEP-001[r-hang]")
    assert "timed out after 1 s" in m("GL-DEP-001[r-tls]")  # a TLS hello to a plain Redis gets no answer
    assert "server does not support SSL, but SSL was required" in m("GL-DEP-010[pg-ssl-required]")
    assert 'password authentication failed for user "golive"' in m("GL-DEP-010[pg-wrong-password]")
    assert "GL_TEST_UNSET (password_env of pg-no-variable) is not set" in m("GL-DEP-010[pg-no-variable]")
    assert 'database "nosuchdb" does not exist' in m("GL-DEP-010[pg-no-database]")
    assert "expected one in '>=99'" in m("GL-DEP-011[pg-too-new]")
    assert "pg_is_in_recovery() is false (a primary); the config says standby" in m("GL-DEP-013[pg-claimed-standby]")
    assert "HTTP 404 (expected 200)" in m("GL-DEP-020[web-404]")
    assert "lacks 'database ok'" in m("GL-DEP-020[web-text]")
    assert "timed out after 1 s" in m("GL-DEP-020[web-hang]")
    assert m("GL-NET-001[net-closed]").endswith(f"connection refused by 127.0.0.1:{closed}")
    # a hanging dependency costs at most its timeout (plus the client's own setup)
    for label, bound in (("GL-DEP-001[r-hang]", 1), ("GL-DEP-010[pg-hang]", 2), ("GL-DEP-020[web-hang]", 1)):
        assert run.check(label)["duration"] < bound + 1.5, (label, run.check(label)["duration"])
    # items about an unreachable dependency skip naming the item that reports it (not a second failure)
    skipped = run.check("GL-DEP-002[r-stopped]")
    assert skipped["outcome"] == "skipped"
    assert "reported by GL-DEP-001[r-stopped]" in skipped["message"]
    assert run.check("GL-DEP-005[r-full]")["outcome"] == "passed"
    for secret in (REDIS_PASSWORD, PG_PASSWORD, "not-the-password-7c1e"):
        assert secret not in run.output
        assert secret not in run.raw


def _fail_rdb_save(server: RedisServer) -> None:
    """Make the next RDB save fail for real: Redis's working directory disappears under it."""
    shutil.rmtree(server.dir)
    server.admin.bgsave()
    wait_until(lambda: server.admin.info("persistence")["rdb_last_bgsave_status"] == "err", timeout=20,
               describe="a failed BGSAVE")  # fmt: skip


def _fail_aof_rewrite(server: RedisServer) -> None:
    """Make the AOF rewrite fail for real, the same way (the RDB side stays ok: no save was asked for)."""
    wait_until(lambda: server.admin.info("persistence")["aof_rewrite_in_progress"] == 0, timeout=20,
               describe="the first AOF rewrite done")  # fmt: skip
    shutil.rmtree(server.dir)
    with contextlib.suppress(redis.ResponseError):  # "Can't execute an AOF background rewriting": the point
        server.admin.bgrewriteaof()
    wait_until(lambda: server.admin.info("persistence")["aof_last_bgrewrite_status"] == "err", timeout=20,
               describe="a failed BGREWRITEAOF")  # fmt: skip


def test_connections_nearly_used_up_fail_the_connection_share(postgres_server: PostgresServer, tmp_path: Path) -> None:
    held: list[psycopg.Connection[Any]] = []
    try:
        for _ in range(MAX_CONNECTIONS - 5):  # 25 of 30 held; the probe's own makes 26 (86.7%)
            held.append(psycopg.connect(host="127.0.0.1", port=postgres_server.port, user=PG_USER, dbname=PG_DB,
                                        password=PG_PASSWORD, connect_timeout=5))  # fmt: skip
        run = run_dependency_checks(
            tmp_path, [postgres_entry("appdb", postgres_server.url, network=None, postgres={"latency": LOOSE})],
            SECRETS_ENV,
        )  # fmt: skip
    finally:
        for conn in held:
            conn.close()
    assert run.failed == {"GL-DEP-012[appdb]"}, run.output[-4000:]
    assert f"26 of max_connections {MAX_CONNECTIONS} in use (86.7%" in run.message("GL-DEP-012[appdb]")
    assert "expected under 80.0%" in run.message("GL-DEP-012[appdb]")


def test_a_real_standby_fails_where_the_config_says_primary(postgres_server: PostgresServer, tmp_path: Path) -> None:
    with running_standby(postgres_server) as standby:
        run = run_dependency_checks(
            tmp_path,
            [
                postgres_entry("replica", standby.url, network=None, postgres={"standby": True, "latency": LOOSE}),
                postgres_entry("as-primary", standby.url, network=None, postgres={"latency": LOOSE}),
            ],
            SECRETS_ENV,
        )  # fmt: skip
    assert run.failed == {"GL-DEP-013[as-primary]"}, run.output[-4000:]
    assert "pg_is_in_recovery() is true (a standby); the config says primary" in run.message("GL-DEP-013[as-primary]")
    assert run.check("GL-DEP-010[replica]")["properties"]["dependency"]["role"] == "standby"
    assert run.labels("passed") >= {"GL-DEP-013[replica]", "GL-DEP-012[replica]"}


def test_a_replica_with_its_master_gone_fails_the_role_item(redis_server: RedisServer, tmp_path: Path) -> None:
    with running_redis(tmp_path, password=REDIS_PASSWORD) as replica:
        replica.admin.config_set("masterauth", REDIS_PASSWORD)
        replica.admin.replicaof("127.0.0.1", redis_server.port)
        wait_until(lambda: replica.admin.info("replication").get("master_link_status") == "up", timeout=20,
                   describe="the replica's link up")  # fmt: skip
        entry = redis_entry("replica", replica.url, network=None, redis={"role": "replica", "latency": LOOSE})
        linked = run_dependency_checks(tmp_path / "up", [entry], SECRETS_ENV)
        replica.admin.replicaof("127.0.0.1", free_port())  # a master that is not there
        down = run_dependency_checks(tmp_path / "down", [entry], SECRETS_ENV)
    assert linked.failed == set(), linked.output[-4000:]
    assert linked.check("GL-DEP-001[replica]")["properties"]["dependency"]["role"] == "replica"
    assert down.failed == {"GL-DEP-002[replica]"}, down.output[-4000:]
    assert "master_link_status 'down'; expected 'up'" in down.message("GL-DEP-002[replica]")


def test_rejected_connections_growing_during_the_run_fail(tmp_path: Path) -> None:
    """maxclients reached while the run goes on: Redis refuses other clients and its counter grows."""
    with running_redis(tmp_path, password=REDIS_PASSWORD, args=("--maxclients", "3")) as server, ExitStack() as held:
        proc = start_dependency_checks(
            tmp_path / "run",
            [redis_entry("busy", server.url, network=None, redis={"watch": "5s", "latency": LOOSE})],
            SECRETS_ENV,
        )
        try:
            # once the probe holds its connection, the test's admin and one more client fill maxclients 3
            wait_until(lambda: any(c.get("name") == CLIENT_NAME for c in server.admin.client_list()), timeout=60,
                       describe="the probe's connection", interval=0.01, max_interval=0.05)  # fmt: skip
            held.enter_context(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            refused = 0
            for _ in range(5):  # each one is accepted, told "max number of clients reached" and closed
                with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
                    refused += b"max number of clients" in extra.recv(200)
            assert refused == 5
        finally:
            run = finish_dependency_checks(tmp_path / "run", proc)
    assert run.failed == {"GL-DEP-006[busy]"}, run.output[-4000:]
    assert "rejected_connections grew by 5 (0 -> 5)" in run.message("GL-DEP-006[busy]")


def test_tls_dependencies_are_verified_against_the_configured_ca(tmp_path: Path) -> None:
    with ExitStack() as stack:
        certs = stack.enter_context(tls_certificates())
        rd = stack.enter_context(running_redis(tmp_path, password=REDIS_PASSWORD, tls=certs))
        pg = stack.enter_context(running_postgres(password=PG_PASSWORD, settings=(
            "ssl=on", f"ssl_cert_file={certs.cert}", f"ssl_key_file={certs.key}")))  # fmt: skip
        ca = {"ca_file": str(certs.ca)}
        run = run_dependency_checks(
            tmp_path,
            [
                redis_entry("r-tls", rd.tls_url, tls=ca, network=None, redis={"latency": LOOSE}),
                redis_entry("r-tls-untrusted", rd.tls_url, network=None, redis={"latency": LOOSE}),
                postgres_entry("pg-verify-full", pg.url, tls=ca, network=None,
                               postgres={"sslmode": "verify-full", "latency": LOOSE}),
                postgres_entry("pg-untrusted", pg.url, tls={"ca_file": str(certs.cert)}, network=None,
                               postgres={"sslmode": "verify-ca", "latency": LOOSE}),
            ],
            SECRETS_ENV,
        )  # fmt: skip
    assert run.failed == {"GL-DEP-001[r-tls-untrusted]", "GL-DEP-010[pg-untrusted]"}, run.output[-4000:]
    assert run.labels("passed") >= {"GL-DEP-001[r-tls]", "GL-DEP-007[r-tls]", "GL-DEP-010[pg-verify-full]"}
    assert "certificate verify failed" in run.message("GL-DEP-001[r-tls-untrusted]")
    assert "certificate verify failed" in run.message("GL-DEP-010[pg-untrusted]")
