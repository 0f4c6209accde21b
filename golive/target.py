"""The Qdrant facade every check talks through: one httpx client and one qdrant-client, keys, TLS, timeouts.

``target = Target(settings.target)``; ``target.get("/readyz")`` returns the ``httpx.Response``;
``target.result("/collections")`` returns the envelope's ``result`` after checking ``status == "ok"``.
An unreachable target raises ``TargetUnreachable("connection refused to http://...")`` once, and every later
call fails at once with the same message, so a down target costs seconds, not a timeout per check.
"""

from __future__ import annotations

import os
import ssl
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from golive.config import TargetSettings

KeyKind = Literal["admin", "read_only", "none"]


class TargetError(Exception):
    """The target answered, but not as Qdrant would (wrong status, not JSON, error envelope)."""


class TargetUnreachable(TargetError):
    """The target could not be reached or did not answer in time; the message is the one line to show."""


class Target:
    """A connection to one Qdrant deployment; close it with ``close()`` (the ``qdrant`` fixture does)."""

    def __init__(self, settings: TargetSettings, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        self.settings = settings
        self.url = settings.url
        self.api_key = environ.get(settings.api_key_env) or None
        self.read_only_key = environ.get(settings.read_only_api_key_env) or None
        self.timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
        self._verify: ssl.SSLContext | bool = self._ssl_context()
        self.http = httpx.Client(base_url=self.url, timeout=self.timeout, verify=self._verify)
        self._client: Any = None
        self._down: str | None = None

    # ------------------------------------------------------------------ keys and TLS
    def _ssl_context(self) -> ssl.SSLContext | bool:
        tls = self.settings.tls
        if not self.url.startswith("https"):
            return True
        if not tls.verify:
            return False
        if tls.ca_file:
            return ssl.create_default_context(cafile=str(tls.ca_file))
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
        merged = {**self.auth_headers(key), **(headers or {})}
        try:
            return self.http.request(method, path, headers=merged, **kw)
        except httpx.ConnectError as err:
            self._down = f"{_reason(err)} to {self.url}"
        except httpx.TimeoutException:
            self._down = f"no answer from {self.url} within {self.settings.timeout:g} s"
        except httpx.TransportError as err:
            self._down = f"{type(err).__name__} talking to {self.url}: {err}"
        raise TargetUnreachable(self._down)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def result(self, path: str, method: str = "GET", **kw: Any) -> Any:
        """The ``result`` of a Qdrant envelope; raises ``TargetError`` with status and body otherwise."""
        __tracebackhide__ = True
        response = self.request(method, path, **kw)
        try:
            body = response.json()
        except ValueError:
            raise TargetError(
                f"{method} {path}: HTTP {response.status_code}, not JSON: {response.text[:200]!r}"
            ) from None
        if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
            status = body.get("status") if isinstance(body, dict) else body
            raise TargetError(f"{method} {path}: HTTP {response.status_code}, status {status!r}")
        return body.get("result")

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``(status, json or text)``: the client-neutral call that ``golive.load.probe`` helpers take."""
        response = self.request(method, path, json=body)
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


def _reason(err: httpx.ConnectError) -> str:
    text = str(err).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename" in text:
        return "host name not found"
    if "certificate" in text or "ssl" in text:
        return f"TLS handshake failed ({err})"
    return f"cannot connect ({err})"
