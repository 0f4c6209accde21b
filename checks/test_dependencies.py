"""Dependencies: the Redis, PostgreSQL and HTTP services the deployment relies on (one item per entry).

Read-only: Redis PING/INFO, PostgreSQL queries in a read-only transaction, one HTTP GET. Each entry is
observed once per run; items about a dependency that could not be reached skip, naming the item that
reports it. Severity: the entry's own (``severity:``), except items marked warning here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest

from golive.fields import format_duration
from golive.probes.dependencies.http import HttpObservation, observe_http
from golive.probes.dependencies.postgres import PostgresObservation, observe_postgres
from golive.probes.dependencies.redis import RedisObservation, RedisProbe
from golive.probes.dependencies.settings import (
    Dependency,
    HttpOptions,
    MissingPassword,
    PostgresOptions,
    RedisOptions,
)

pytestmark = pytest.mark.golive
Record = Callable[[str, object], None]


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


# ---------------------------------------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def _redis() -> Iterator[dict[str, tuple[RedisProbe | None, RedisObservation]]]:
    probes: dict[str, tuple[RedisProbe | None, RedisObservation]] = {}
    yield probes
    for probe, _ in probes.values():
        if probe is not None:
            probe.close()


@pytest.fixture
def redis_seen(
    redis_dependency: Dependency, _redis: dict[str, tuple[RedisProbe | None, RedisObservation]]
) -> tuple[RedisProbe | None, RedisObservation]:
    """The entry's probe and its one observation for the run (connect, INFO, a burst of PINGs)."""
    dep = redis_dependency
    if dep.name not in _redis:
        try:
            probe = RedisProbe(dep, dep.password(os.environ))
        except MissingPassword as missing:
            _redis[dep.name] = (None, RedisObservation(error=str(missing)))
        else:
            _redis[dep.name] = (probe, probe.observe())
    return _redis[dep.name]


@pytest.fixture
def redis_info(
    redis_dependency: Dependency, redis_seen: tuple[RedisProbe | None, RedisObservation]
) -> RedisObservation:
    _, seen = redis_seen
    if seen.error:
        pytest.skip(f"{redis_dependency.name} not reachable (reported by GL-DEP-001[{redis_dependency.name}])")
    return seen


def _redis_options(dep: Dependency) -> RedisOptions:
    return dep.redis or RedisOptions()


@pytest.mark.check("GL-DEP-001")
def test_redis_answers_ping(
    redis_dependency: Dependency, redis_seen: tuple[RedisProbe | None, RedisObservation], record_property: Record
) -> None:
    """Redis accepts a connection with the configured password (and TLS) and answers PING."""
    _, seen = redis_seen
    assert seen.error is None, f"{redis_dependency.name} ({redis_dependency.url}): {seen.error}"
    record_property("dependency", {"name": redis_dependency.name, "kind": "redis", **seen.evidence})


@pytest.mark.check("GL-DEP-002")
def test_redis_role_is_as_configured(redis_dependency: Dependency, redis_info: RedisObservation) -> None:
    """Redis reports the configured replication role; a replica's link to its master is up."""
    expected = _redis_options(redis_dependency).role
    assert redis_info.role == expected, (
        f"{redis_dependency.name}: INFO role is {redis_info.role!r}; expected {expected!r} (redis.role)"
    )
    if expected == "replica":
        assert redis_info.master_link_status == "up", (
            f"{redis_dependency.name}: replica of {redis_info.master}, master_link_status "
            f"{redis_info.master_link_status!r}; expected 'up'"
        )


@pytest.mark.check("GL-DEP-003")
def test_redis_persistence_is_healthy(redis_dependency: Dependency, redis_info: RedisObservation) -> None:
    """Redis's last RDB save succeeded, and with AOF enabled its last rewrite and write did too."""
    seen = redis_info
    age = f"{seen.rdb_last_save_age:.0f} s ago" if seen.rdb_last_save_age is not None else "never"
    problems = []
    if seen.rdb_last_bgsave_status != "ok":
        problems.append(f"rdb_last_bgsave_status {seen.rdb_last_bgsave_status!r} (last good save {age})")
    if seen.aof_enabled:
        for field, value in (("aof_last_bgrewrite_status", seen.aof_last_bgrewrite_status),
                             ("aof_last_write_status", seen.aof_last_write_status)):  # fmt: skip
            if value != "ok":
                problems.append(f"{field} {value!r}")
    assert not problems, (
        f"{redis_dependency.name}: {'; '.join(problems)}; expected 'ok' "
        f"({seen.rdb_changes_since_last_save} changes since the last save)"
    )


@pytest.mark.check("GL-DEP-004")
def test_redis_memory_is_under_its_share_of_maxmemory(
    redis_dependency: Dependency, redis_info: RedisObservation, record_property: Record
) -> None:
    """Redis's used memory stays under the configured share of maxmemory (none set: GL-DEP-005 warns)."""
    record_property("memory", {"used_memory": redis_info.used_memory, "maxmemory": redis_info.maxmemory})
    share = redis_info.memory_share
    if share is None:
        return  # no limit to run into; not a blocker's business (a skipped blocker would hold back GO)
    limit = _redis_options(redis_dependency).max_memory
    assert share < limit, (
        f"{redis_dependency.name}: used_memory {redis_info.used_memory:,} B is {_pct(share)} of maxmemory "
        f"{redis_info.maxmemory:,} B (policy {redis_info.maxmemory_policy}); expected under {_pct(limit)} "
        f"(redis.max_memory)"
    )


@pytest.mark.check("GL-DEP-005", severity="warning")
def test_redis_has_a_maxmemory_limit(redis_dependency: Dependency, redis_info: RedisObservation) -> None:
    """Redis has a maxmemory limit set (without one it grows until the host runs out of memory)."""
    assert redis_info.maxmemory > 0, (
        f"{redis_dependency.name}: maxmemory is 0 (unlimited), used_memory {redis_info.used_memory:,} B; "
        f"expected a limit (CONFIG maxmemory)"
    )


@pytest.mark.check("GL-DEP-006")
def test_redis_rejects_no_connections_during_the_run(
    redis_dependency: Dependency,
    redis_seen: tuple[RedisProbe | None, RedisObservation],
    redis_info: RedisObservation,
) -> None:
    """Redis's rejected_connections counter did not grow during the run (over at least redis.watch)."""
    probe, _ = redis_seen
    assert probe is not None
    time.sleep(max(0.0, redis_info.observed_at + _redis_options(redis_dependency).watch - time.monotonic()))
    now = probe.rejected_connections()
    assert not isinstance(now, str), f"{redis_dependency.name}: second INFO stats failed: {now}"
    count, at = now
    grew = count - redis_info.rejected_connections
    assert grew <= 0, (
        f"{redis_dependency.name}: rejected_connections grew by {grew} ({redis_info.rejected_connections} -> "
        f"{count}) in {at - redis_info.observed_at:.1f} s of the run (maxclients reached?); expected no growth"
    )


@pytest.mark.check("GL-DEP-007")
def test_redis_ping_latency_is_within_bounds(redis_dependency: Dependency, redis_info: RedisObservation) -> None:
    """Redis PING round trips over a short burst stay under the configured p50/p99 bounds."""
    bound = _redis_options(redis_dependency).latency
    assert redis_info.ping is not None
    over = redis_info.ping.over(bound.p50, bound.p99)
    assert not over, f"{redis_dependency.name}: PING {redis_info.ping}: {'; '.join(over)} (redis.latency)"


# ---------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def _postgres() -> dict[str, PostgresObservation]:
    return {}


@pytest.fixture
def postgres_seen(postgres_dependency: Dependency, _postgres: dict[str, PostgresObservation]) -> PostgresObservation:
    """The entry's one observation for the run (connect, catalog facts, a burst of SELECT 1)."""
    dep = postgres_dependency
    if dep.name not in _postgres:
        try:
            password = dep.password(os.environ)
        except MissingPassword as missing:
            _postgres[dep.name] = PostgresObservation(error=str(missing))
        else:
            _postgres[dep.name] = observe_postgres(dep, password)
    return _postgres[dep.name]


@pytest.fixture
def postgres_facts(postgres_dependency: Dependency, postgres_seen: PostgresObservation) -> PostgresObservation:
    if postgres_seen.error:
        pytest.skip(f"{postgres_dependency.name} not usable (reported by GL-DEP-010[{postgres_dependency.name}])")
    return postgres_seen


def _postgres_options(dep: Dependency) -> PostgresOptions:
    return dep.postgres or PostgresOptions()


@pytest.mark.check("GL-DEP-010")
def test_postgres_answers_select_1(
    postgres_dependency: Dependency, postgres_seen: PostgresObservation, record_property: Record
) -> None:
    """PostgreSQL accepts the configured credentials and sslmode on the database named in the URL; SELECT 1."""
    dep = postgres_dependency
    assert postgres_seen.error is None, (
        f"{dep.name} ({dep.url}, sslmode {_postgres_options(dep).sslmode}): {postgres_seen.error}"
    )
    record_property("dependency", {"name": dep.name, "kind": "postgres", **postgres_seen.evidence})


@pytest.mark.check("GL-DEP-011")
def test_postgres_version_is_within_range(postgres_dependency: Dependency, postgres_facts: PostgresObservation) -> None:
    """PostgreSQL's server version is inside the configured range."""
    options = _postgres_options(postgres_dependency)
    assert options.version_accepted(postgres_facts.version), (
        f"{postgres_dependency.name}: server version {postgres_facts.version} ({postgres_facts.version_text}); "
        f"expected one in {options.version!r} (postgres.version)"
    )


@pytest.mark.check("GL-DEP-012")
def test_postgres_connections_are_under_their_share(
    postgres_dependency: Dependency, postgres_facts: PostgresObservation
) -> None:
    """PostgreSQL's connections in use stay under the configured share of max_connections."""
    seen, limit = postgres_facts, _postgres_options(postgres_dependency).max_connections
    assert seen.connection_share < limit, (
        f"{postgres_dependency.name}: {seen.connections_in_use} of max_connections {seen.max_connections} in use "
        f"({_pct(seen.connection_share)}, this probe's included; {seen.reserved_connections} reserved for "
        f"superusers); expected under {_pct(limit)} (postgres.max_connections)"
    )


@pytest.mark.check("GL-DEP-013")
def test_postgres_recovery_state_is_as_configured(
    postgres_dependency: Dependency, postgres_facts: PostgresObservation
) -> None:
    """PostgreSQL is not in recovery, unless the config says it is a standby (then it must be)."""
    standby = _postgres_options(postgres_dependency).standby
    expected = "standby" if standby else "primary"
    assert postgres_facts.in_recovery == standby, (
        f"{postgres_dependency.name}: pg_is_in_recovery() is {str(postgres_facts.in_recovery).lower()} (a "
        f"{postgres_facts.role}); the config says {expected} (postgres.standby: {str(standby).lower()})"
    )


@pytest.mark.check("GL-DEP-014")
def test_postgres_latency_is_within_bounds(
    postgres_dependency: Dependency, postgres_facts: PostgresObservation
) -> None:
    """PostgreSQL SELECT 1 round trips over a short burst stay under the configured p50/p99 bounds."""
    bound = _postgres_options(postgres_dependency).latency
    assert postgres_facts.latency is not None
    over = postgres_facts.latency.over(bound.p50, bound.p99)
    assert not over, (
        f"{postgres_dependency.name}: SELECT 1 {postgres_facts.latency}: {'; '.join(over)} (postgres.latency)"
    )


# ---------------------------------------------------------------------------------------------- HTTP


@pytest.mark.check("GL-DEP-020")
def test_http_dependency_answers_as_expected(http_dependency: Dependency, record_property: Record) -> None:
    """The dependency's health URL answers the expected status (and text) within the bound."""
    dep, options = http_dependency, http_dependency.http or HttpOptions()
    seen: HttpObservation = observe_http(dep)
    assert seen.error is None, f"{dep.name}: {seen.error}"
    record_property("dependency", {"name": dep.name, "kind": dep.kind, **seen.evidence})
    problems = []
    if seen.status != options.status:
        problems.append(f"HTTP {seen.status} (expected {options.status})")
    if options.text is not None and options.text not in seen.text:
        problems.append(f"body {seen.text[:120]!r} lacks {options.text!r}")
    if seen.elapsed >= options.within:
        problems.append(
            f"answered in {format_duration(seen.elapsed)} (expected within {format_duration(options.within)})"
        )
    assert not problems, f"{dep.name}: GET {seen.url}: {'; '.join(problems)}"
