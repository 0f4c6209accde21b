"""Redis with redis-py, read-only: ``PING`` and ``INFO`` only.

``probe = RedisProbe(dep, password)``; ``probe.observe()`` -> ``RedisObservation`` (role, memory, persistence,
rejected connections, a timed burst of PINGs) or one with ``error`` set; ``probe.rejected_connections()``
reads the counter again later in the run; ``probe.close()``. Every socket has the entry's timeout.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from golive.probes.dependencies.settings import Dependency
from golive.probes.dependencies.timing import Burst

CLIENT_NAME = "golive-probe"


@dataclass(frozen=True)
class RedisObservation:
    error: str | None = None
    version: str = ""
    role: str = ""  # "master" or "replica" (INFO's "slave" is reported as "replica")
    master_link_status: str | None = None  # a replica's link to its master: "up" / "down"
    master: str | None = None  # a replica's master as host:port
    rdb_last_bgsave_status: str = ""
    rdb_last_save_age: float | None = None  # seconds since the last successful RDB save
    rdb_changes_since_last_save: int = 0
    aof_enabled: bool = False
    aof_last_bgrewrite_status: str = ""
    aof_last_write_status: str = ""
    used_memory: int = 0
    maxmemory: int = 0
    maxmemory_policy: str = ""
    rejected_connections: int = 0
    observed_at: float = 0.0  # time.monotonic() of the INFO read
    ping: Burst | None = None

    @property
    def memory_share(self) -> float | None:
        return self.used_memory / self.maxmemory if self.maxmemory else None

    @property
    def evidence(self) -> dict[str, Any]:
        return {"version": self.version, "role": self.role, "maxmemory": self.maxmemory}


def _connection_error(dep: Dependency, err: Exception) -> str:
    text = str(err).strip() or type(err).__name__
    if isinstance(err, redis.AuthenticationError) or any(w in text for w in ("WRONGPASS", "NOAUTH", "password")):
        return f"authentication failed at {dep.address}: {text}"
    if isinstance(err, redis.TimeoutError):
        return f"timed out after {dep.timeout:g} s talking to {dep.address}: {text}"
    if isinstance(err, redis.ConnectionError):
        return f"cannot connect to {dep.address}: {text}"
    return f"{type(err).__name__} from {dep.address}: {text}"


class RedisProbe:
    """One connection to one Redis for the whole run (named ``golive-probe`` in ``CLIENT LIST``)."""

    def __init__(self, dep: Dependency, password: str | None) -> None:
        self.dep = dep
        kwargs: dict[str, Any] = {
            "password": password,
            "socket_timeout": dep.timeout,
            "socket_connect_timeout": dep.timeout,
            "client_name": CLIENT_NAME,
            "retry": Retry(NoBackoff(), 0),  # what the first try saw is the observation; a retry multiplies a hang
            "health_check_interval": 0,
        }
        if dep.url.startswith("rediss://"):
            kwargs["ssl_cert_reqs"] = ssl.CERT_REQUIRED if dep.tls.verify else ssl.CERT_NONE
            if dep.tls.ca_file:
                kwargs["ssl_ca_certs"] = str(dep.tls.ca_file)
        self.client = redis.Redis.from_url(dep.url, **kwargs)

    def close(self) -> None:
        self.client.close()

    def observe(self) -> RedisObservation:
        """PING, INFO, then a burst of PINGs; a failure anywhere comes back as ``error``."""
        options = self.dep.redis
        burst = options.burst if options else 50
        try:
            self.client.ping()
            info: dict[str, Any] = self.client.info("all")
            observed_at = time.monotonic()
            samples = []
            for _ in range(burst):
                start = time.perf_counter()
                self.client.ping()
                samples.append(time.perf_counter() - start)
        except (redis.RedisError, OSError) as err:
            return RedisObservation(error=_connection_error(self.dep, err))
        role = str(info.get("role", ""))
        last_save = info.get("rdb_last_save_time")
        return RedisObservation(
            version=str(info.get("redis_version", "")),
            role="replica" if role == "slave" else role,
            master_link_status=info.get("master_link_status"),
            master=f"{info['master_host']}:{info['master_port']}" if "master_host" in info else None,
            rdb_last_bgsave_status=str(info.get("rdb_last_bgsave_status", "")),
            rdb_last_save_age=time.time() - float(last_save) if last_save else None,
            rdb_changes_since_last_save=int(info.get("rdb_changes_since_last_save", 0)),
            aof_enabled=bool(int(info.get("aof_enabled", 0))),
            aof_last_bgrewrite_status=str(info.get("aof_last_bgrewrite_status", "")),
            aof_last_write_status=str(info.get("aof_last_write_status", "")),
            used_memory=int(info.get("used_memory", 0)),
            maxmemory=int(info.get("maxmemory", 0)),
            maxmemory_policy=str(info.get("maxmemory_policy", "")),
            rejected_connections=int(info.get("rejected_connections", 0)),
            observed_at=observed_at,
            ping=Burst.of(samples),
        )

    def rejected_connections(self) -> tuple[int, float] | str:
        """``(rejected_connections, monotonic time)`` from a fresh ``INFO stats``, or the error line."""
        try:
            stats: dict[str, Any] = self.client.info("stats")
        except (redis.RedisError, OSError) as err:
            return _connection_error(self.dep, err)
        return int(stats.get("rejected_connections", 0)), time.monotonic()
