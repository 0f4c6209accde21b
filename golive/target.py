"""The Qdrant facade every check talks through: one httpx client and one qdrant-client, keys, TLS, timeouts.

``target = Target(settings.target)``; ``target.get("/readyz")`` returns the ``httpx.Response``;
``target.result("/collections")`` returns the envelope's ``result`` after checking ``status == "ok"``.
A call that gets no answer in time raises ``TargetUnreachable`` naming its method and path and condemns only
itself: one slow endpoint fails the items that use it. Only a connection that cannot be made (refused, host
name not found, TLS handshake) or a timeout on a health endpoint (``HEALTH_PATHS``) marks the whole target
down; every later call then fails at once with the same message and the call that decided it, so a down
target costs seconds, not a timeout per check.
"""

from __future__ import annotations

import os
import ssl
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import Field

from golive.errors import KeyRefused, TargetError, TargetUnreachable
from golive.fields import Duration, EnvVarName, PositiveDuration, Section, Url
from golive.protocol import envelope_result

KeyKind = Literal["admin", "read_only", "none"]
HEALTH_PATHS = frozenset({"/", "/healthz", "/livez", "/readyz"})
__all__ = ["SandboxSettings", "TLSSettings", "Target", "TargetError", "TargetSettings", "TargetUnreachable"]


# ---------------------------------------------------------------------------------------------- settings


class TLSSettings(Section):
    """``target.tls``: how the suite talks TLS to the target; whether TLS is *required* is a claim."""

    verify: bool = True
    ca_file: Path | None = None
    cert_expiry_warning: Duration = Field(30 * 86400.0, description="warn when the certificate expires sooner")


class SandboxSettings(Section):
    """``target.sandbox``: present when the target is the suite's own sandbox; ``golive run`` starts it."""

    demo: bool = True
    demo_scale: float = Field(1.0, gt=0, le=10)
    demo_seed: int = 0
    data_dir: Path = Path(".golive/sandbox-data")
    ready_timeout: PositiveDuration = 120.0


class TargetSettings(Section):
    """``target:``: where the deployment answers and how to talk to it (keys by environment variable name)."""

    url: Url = "http://127.0.0.1:6333"
    grpc_port: int | None = Field(6334, ge=1, le=65535)
    metrics_url: Url | None = Field(None, description="a separate metrics endpoint serving /metrics and /health")
    tls: TLSSettings = TLSSettings()
    api_key_env: EnvVarName = "QDRANT_API_KEY"
    read_only_api_key_env: EnvVarName = "QDRANT_READ_ONLY_API_KEY"
    timeout: PositiveDuration = Field(5.0, le=3600)
    connect_timeout: PositiveDuration = Field(2.0, le=3600)
    sandbox: SandboxSettings | None = None

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        netloc = self.url.split("://", 1)[1].split("/", 1)[0]
        if ":" in netloc:
            return int(netloc.rsplit(":", 1)[1])
        return 443 if self.url.startswith("https") else 80


# ---------------------------------------------------------------------------------------------- the facade


class Target:
    """A connection to one Qdrant deployment; close it with ``close()`` (the ``qdrant`` fixture does)."""

    def __init__(self, settings: TargetSettings, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        self.settings = settings
        self.url = settings.url
        self.api_key = environ.get(settings.api_key_env) or None
        self.read_only_key = environ.get(settings.read_only_api_key_env) or None
        self.timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
        self._down: str | None = None
        self._verify: ssl.SSLContext | bool = self._ssl_context()
        self.http = httpx.Client(base_url=self.url, timeout=self.timeout, verify=self._verify)
        self._client: Any = None
        self.leftovers: list[str] = []  # probe collections this run could not remove, one line each
        self._refused: dict[KeyKind, str] = {}  # key kind -> "the target refused the API key from ...: HTTP 401"

    # ------------------------------------------------------------------ keys and TLS
    def _ssl_context(self) -> ssl.SSLContext | bool:
        tls = self.settings.tls
        if not self.url.startswith("https"):
            return True
        if not tls.verify:
            return False
        if tls.ca_file:
            try:
                return ssl.create_default_context(cafile=str(tls.ca_file))
            except (OSError, ssl.SSLError) as err:  # every call then fails at once with this one line
                self._down = f"target.tls.ca_file {tls.ca_file} cannot be used: {getattr(err, 'strerror', None) or err}"
        return True

    @property
    def secrets(self) -> list[str]:
        """The key values in use, for redaction from every output."""
        return [k for k in (self.api_key, self.read_only_key) if k]

    def auth_headers(self, key: KeyKind = "admin") -> dict[str, str]:
        """Headers for a request made with the admin key, the read-only key, or none."""
        value = {"admin": self.api_key, "read_only": self.read_only_key, "none": None}[key]
        return {"api-key": value} if value else {}

    # ------------------------------------------------------------------ raw HTTP
    def request(
        self,
        method: str,
        path: str,
        *,
        key: KeyKind = "admin",
        headers: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """One HTTP call; transport failures become ``TargetUnreachable`` with a one-line message."""
        __tracebackhide__ = True
        if self._down:
            raise TargetUnreachable(self._down)
        ours = self.auth_headers(key)
        merged = {**ours, **(headers or {})}
        if key in self._refused and merged.get("api-key") == ours.get("api-key"):
            raise KeyRefused(self._refused[key])
        call = f"{method.upper()} {path.split('?', 1)[0]}"
        try:
            response = self.http.request(method, path, headers=merged, **kw)
            if response.status_code == 401 and ours and merged.get("api-key") == ours["api-key"]:
                self._refused[key] = self._refusal(key)
                raise KeyRefused(self._refused[key])
            return response
        except httpx.ConnectError as err:
            reason = f"{_reason(err)} to {self.url}"
        except httpx.TimeoutException:
            reason = f"no answer to {call} from {self.url} within {self.settings.timeout:g} s"
            if not _is_health(path):
                raise TargetUnreachable(reason) from None  # this endpoint is slow, not the target down
        except httpx.TransportError as err:
            raise TargetUnreachable(f"{type(err).__name__} on {call} to {self.url}: {err}") from None
        self._down = f"{reason} (decided by {call}; later calls not tried)"
        raise TargetUnreachable(self._down)

    def _refusal(self, key: KeyKind) -> str:
        env = self.settings.api_key_env if key == "admin" else self.settings.read_only_api_key_env
        what = "API key" if key == "admin" else "read-only API key"
        return f"{KeyRefused.PREFIX}{what} from {env}: HTTP 401"

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def result(self, path: str, method: str = "GET", **kw: Any) -> Any:
        """The ``result`` of a Qdrant envelope; raises a ``TargetError`` with status and body otherwise."""
        __tracebackhide__ = True
        return envelope_result(method, path, *self._json(self.request(method, path, **kw)))

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``(status, json or text)``: the client-neutral call that ``golive.probes.probe_collections`` takes."""
        return self._json(self.request(method, path, json=body))

    @staticmethod
    def _json(response: httpx.Response) -> tuple[int, Any]:
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    # ------------------------------------------------------------------ qdrant-client
    @property
    def client(self) -> Any:
        """A ``qdrant_client.QdrantClient`` (REST) with the admin key; fails fast if the target is down."""
        if self._down:
            raise TargetUnreachable(self._down)
        if "admin" in self._refused:
            raise KeyRefused(self._refused["admin"])
        if self._client is None:
            from qdrant_client import QdrantClient

            with warnings.catch_warnings():
                # qdrant-client warns about a key over plain HTTP; the security checks report that themselves.
                warnings.simplefilter("ignore", UserWarning)
                self._client = QdrantClient(
                    url=self.url,
                    port=self.settings.port,
                    api_key=self.api_key,
                    timeout=max(1, round(self.settings.timeout)),
                    prefer_grpc=False,
                    check_compatibility=False,
                    verify=self._verify,
                )
        return self._client

    def close(self) -> None:
        self.http.close()
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_health(path: str) -> bool:
    return "/" + path.split("?", 1)[0].strip("/") in HEALTH_PATHS


def _reason(err: httpx.ConnectError) -> str:
    text = str(err).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename" in text:
        return "host name not found"
    if "certificate" in text or "ssl" in text:
        return f"TLS handshake failed ({err})"
    return f"cannot connect ({err})"
