"""The ``dependencies:`` section: the deployment's neighbours, one entry each, with per-kind options.

``Dependency.model_validate({"name": "cache", "kind": "redis", "url": "redis://10.0.1.40:6379",
"password_env": "REDIS_PASSWORD", "redis": {"role": "master"}})``. Each entry gets its kind's items (GL-DEP-*)
and, unless ``network: null``, a TCP connect-time item (GL-NET-001) to the host and port of its URL.

Passwords never live in the file: ``password_env`` names the environment variable. A URL with a password in
it, an unknown kind, a URL without a host, or options of another kind are config errors naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from golive.fields import Duration, EnvVarName, Percent, Section, version_in_range

Kind = Literal["redis", "postgres", "http", "prometheus", "grafana", "tcp"]

SCHEMES: dict[str, tuple[str, ...]] = {
    "redis": ("redis", "rediss"),
    "postgres": ("postgresql", "postgres"),
    "http": ("http", "https"),
    "prometheus": ("http", "https"),
    "grafana": ("http", "https"),
    "tcp": ("tcp",),
}
DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "postgresql": 5432, "postgres": 5432, "http": 80, "https": 443}
# the health path a bare prometheus / grafana URL is probed on (an http entry probes its URL as written)
HEALTH_PATHS = {"prometheus": "/-/healthy", "grafana": "/api/health", "http": ""}
_SECTION_OF = {"redis": "redis", "postgres": "postgres", "http": "http", "prometheus": "http", "grafana": "http"}
_HOST_RE = re.compile(r"^[A-Za-z0-9._:%-]+$")  # names, IPv4, IPv6 (with a zone)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TARGET_REF = "${target}"  # an http URL may start with it: the target's own URL, resolved at collection
_SECRET_PARAMS = ("password", "passwd", "pass", "requirepass", "secret", "token")


class MissingPassword(LookupError):
    """The entry names a password variable that is not set; the message says which and what to do."""


class Latency(Section):
    """Bounds on a short burst's percentiles: ``latency: {p50: 2ms, p99: 10ms}``; a missing one is not judged."""

    p50: Duration | None = None
    p99: Duration | None = None


class TLS(Section):
    """How to verify the dependency's certificate (``rediss://``, ``https://``, postgres ``sslmode: verify-*``)."""

    verify: bool = True
    ca_file: Path | None = None


class RedisOptions(Section):
    role: Literal["master", "replica"] = Field("master", description="the replication role INFO must report")
    max_memory: Percent = Field(0.90, description="used_memory must stay under this share of maxmemory")
    latency: Latency = Latency(p50=0.002, p99=0.010)
    burst: int = Field(50, ge=5, le=1000, description="PINGs timed for the latency item")
    watch: Duration = Field(1.0, le=60, description="rejected_connections is read again this long after the first")


def _version_range(value: str) -> str:
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f"expected a version range such as '>=14,<17', got {value!r}") from None
    return value


class PostgresOptions(Section):
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "prefer"
    version: Annotated[str, AfterValidator(_version_range)] = Field(
        ">=13", description="accepted server versions, a PEP 440 range such as '>=14,<17'"
    )
    max_connections: Percent = Field(0.80, description="connections in use must stay under this share")
    standby: bool = Field(False, description="true: the server must be in recovery (a standby); false: a primary")
    latency: Latency = Latency(p50=0.005, p99=0.020)
    burst: int = Field(20, ge=5, le=1000, description="SELECT 1 round trips timed for the latency item")

    def version_accepted(self, version: str) -> bool:
        return version_in_range(version, self.version)


class HttpOptions(Section):
    path: str | None = Field(None, description="appended to the URL; default: the kind's health path")
    status: int = Field(200, ge=100, le=599, description="the status the URL must answer")
    text: str | None = Field(None, description="text the body must contain")
    within: Duration = Field(1.0, description="the whole answer must arrive within this")


class NetworkOptions(Section):
    """``network: {p50: 1ms, p99: 5ms, burst: 20}``: TCP connect time to the URL's host and port."""

    p50: Duration | None = 0.001  # the seed's "<1ms internal network"
    p99: Duration | None = 0.005
    burst: int = Field(20, ge=1, le=1000)


class Dependency(Section):
    """One neighbour: ``{name, kind, url, severity, password_env, timeout, tls, <kind options>, network}``."""

    name: str = Field(description="the item's parameter: GL-DEP-001[<name>]")
    kind: Kind
    url: str
    severity: Literal["blocker", "warning"] = Field(
        "blocker", description="the entry's items' severity; default blocker, for kind grafana warning"
    )
    password_env: EnvVarName | None = Field(
        None, description="the NAME of the environment variable holding the password"
    )
    timeout: Duration = Field(2.0, gt=0, le=60, description="connect and per-request timeout")
    tls: TLS = TLS()
    redis: RedisOptions | None = None
    postgres: PostgresOptions | None = None
    http: HttpOptions | None = None
    network: NetworkOptions | None = NetworkOptions()

    @model_validator(mode="before")
    @classmethod
    def _kind_options(cls, data: Any) -> Any:
        """Only the section of the entry's own kind, filled with its defaults when left out; a grafana entry's
        items are warnings unless the entry says ``severity: blocker`` (dashboards down do not stop a go-live)."""
        if not isinstance(data, dict) or data.get("kind") not in SCHEMES:
            return data
        if data["kind"] == "grafana" and data.get("severity") is None:
            data = {**data, "severity": "warning"}
        own = _SECTION_OF.get(data["kind"])
        for section in ("redis", "postgres", "http"):
            if section != own and data.get(section) is not None:
                hint = f"use the `{own}:` section" if own else "a tcp entry has only `network:`"
                raise ValueError(f"`{section}:` options do not apply to kind {data['kind']} ({hint}, or fix kind)")
        if own and data.get(own) is None:
            data = {**data, own: {}}
        return data

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"expected a letter or digit, then letters, digits, '.', '_' or '-', got {value!r}")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if value.startswith(TARGET_REF):
            if kind not in ("http", "prometheus", "grafana"):
                raise ValueError(f"{TARGET_REF} (the target's URL) stands only at the start of an http URL")
            if value[len(TARGET_REF) :][:1] not in ("", "/"):
                raise ValueError(f"expected {TARGET_REF} followed by a path such as /healthz, got {value!r}")
            return value
        schemes = SCHEMES.get(kind or "", tuple(sorted({s for v in SCHEMES.values() for s in v})))
        example = f"{schemes[0]}://10.0.1.40:{DEFAULT_PORTS.get(schemes[0], 443)}"
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError as err:
            raise ValueError(f"not a usable URL ({err}): expected e.g. {example}, got {value!r}") from None
        if kind in SCHEMES and parts.scheme not in schemes:  # an unknown kind is reported on kind alone
            raise ValueError(f"expected a {' or '.join(s + '://' for s in schemes)} URL, e.g. {example}, got {value!r}")
        if not parts.hostname:
            raise ValueError(f"a URL without a host: expected e.g. {example}, got {value!r}")
        if not _HOST_RE.match(parts.hostname):
            raise ValueError(f"{parts.hostname!r} is not a host name or IP address: expected e.g. {example}")
        if parts.password is not None or any(p in _SECRET_PARAMS for p in parse_qs(parts.query)):
            raise ValueError("a URL with a password in it: drop it and name its environment variable in password_env")
        if parts.scheme == "tcp" and port is None:
            raise ValueError(f"a tcp:// URL needs a port, e.g. tcp://10.0.1.38:443, got {value!r}")
        return value

    # ------------------------------------------------------------------ derived
    def resolved(self, target_url: str) -> Dependency:
        """The entry with a leading ``${target}`` replaced by the target's URL (the sandbox's own health URL
        follows ``GOLIVE_TARGET_URL``); an entry without it comes back unchanged."""
        if not self.url.startswith(TARGET_REF):
            return self
        return self.model_copy(update={"url": target_url.rstrip("/") + self.url[len(TARGET_REF) :]})

    def password(self, environ: Mapping[str, str]) -> str | None:
        """The password from the variable ``password_env`` names; ``MissingPassword`` when it is not set."""
        if self.password_env is None:
            return None
        value = environ.get(self.password_env)
        if not value:
            raise MissingPassword(
                f"environment variable {self.password_env} (password_env of {self.name}) is not set: "
                "export it before the run"
            )
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or DEFAULT_PORTS[parts.scheme]

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 in brackets), for messages."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        """The URL an http / prometheus / grafana entry is probed on."""
        options = self.http or HttpOptions()
        path = options.path if options.path is not None else HEALTH_PATHS.get(self.kind, "")
        return self.url.rstrip("/") + path if path else self.url


def _unique_names(dependencies: list[Dependency]) -> list[Dependency]:
    seen: set[str] = set()
    for dep in dependencies:
        if dep.name in seen:
            raise ValueError(f"dependency name {dep.name!r} is used twice: each entry's items are keyed on its name")
        seen.add(dep.name)
    return dependencies


Dependencies = Annotated[list[Dependency], AfterValidator(_unique_names)]
