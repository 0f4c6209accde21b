"""What the deployment enforces: API keys, the read-only key, TLS, CORS and the exposure of its endpoints.

``access(target, "GET", "/collections", key="none")`` -> ``Access(method="GET", path="/collections",
status=401)``; ``tls_state(settings)`` -> ``TLSState(version="TLSv1.3", verify_error=None, days_left=89.5, ...)``.
Probes observe and return values; the checks in ``checks/test_security.py`` judge. No probe writes outside a
``golive_probe_<run-id>_*`` collection, and none returns or prints a key.
"""

from __future__ import annotations

import datetime as dt
import errno
import secrets
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from golive.errors import TargetError
from golive.fields import Section
from golive.probes.probe_collections import PROBE_PREFIX, probe_name
from golive.target import KeyKind, Target, TargetSettings

PROBE_VECTOR = {"vectors": {"size": 2, "distance": "Dot"}}


class SecuritySettings(Section):
    """``security:``: how the security items probe (what must be enforced is under ``claims``)."""

    foreign_origin: str = Field(
        "https://golive-foreign-origin.invalid", description="the origin a restricted CORS policy must refuse"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="the origins the deployment's CORS policy allows (the sandbox is started so)"
    )
    protected_paths: list[str] = Field(
        default_factory=lambda: ["/metrics", "/telemetry"],
        description="endpoints that must not be readable without a key where a key is claimed",
    )


@dataclass(frozen=True)
class Access:
    method: str
    path: str
    status: int
    key: str = "no key"  # which key was used, described (never its value)

    def __str__(self) -> str:
        return f"{self.method} {self.path} with {self.key} -> HTTP {self.status}"


_KEY_NAMES = {"admin": "the admin key", "read_only": "the read-only key", "none": "no key"}


def access(target: Target, method: str, path: str, key: KeyKind = "admin", body: Any = None) -> Access:
    """The status of one request made with the admin key, the read-only key or none."""
    response = target.request(method, path, key=key, json=body)
    return Access(method, path, response.status_code, _KEY_NAMES[key])


def access_with_wrong_key(target: Target, path: str = "/collections") -> Access:
    """A read made with a random key that is neither configured key."""
    wrong = "golive-wrong-" + secrets.token_hex(8)
    response = target.request("GET", path, key="none", headers={"api-key": wrong})
    return Access("GET", path, response.status_code, "a wrong key")


@dataclass(frozen=True)
class WriteAttempt:
    """A probe-collection create made with one key, and whether it had to be removed again."""

    create: Access
    cleaned_up: bool


def try_probe_write(target: Target, run_id: str, key: KeyKind, suffix: str) -> WriteAttempt:
    """Create ``golive_probe_<run-id>_<suffix>`` with ``key``; if it was created, delete it with the admin key."""
    name = probe_name(run_id, suffix)
    assert name.startswith(PROBE_PREFIX)  # the only collection this probe may write
    seen = access(target, "PUT", f"/collections/{name}", key=key, body=PROBE_VECTOR)
    cleaned = False
    if seen.status < 300:
        deleted = target.request("DELETE", f"/collections/{name}", key="admin")
        if deleted.status_code >= 300:
            raise TargetError(f"probe collection {name} was created but DELETE answered HTTP {deleted.status_code}")
        cleaned = True
    return WriteAttempt(Access(seen.method, f"/collections/{name}", seen.status, seen.key), cleaned)


@dataclass(frozen=True)
class Preflight:
    origin: str
    status: int
    allow_origin: str | None

    @property
    def allowed(self) -> bool:
        return self.status < 400 and self.allow_origin in ("*", self.origin)

    def __str__(self) -> str:
        return f"preflight from {self.origin} -> HTTP {self.status}, access-control-allow-origin: {self.allow_origin}"


def cors_preflight(target: Target, origin: str, path: str = "/collections") -> Preflight:
    headers = {"origin": origin, "access-control-request-method": "POST", "access-control-request-headers": "api-key"}
    response = target.request("OPTIONS", path, key="none", headers=headers)
    return Preflight(origin, response.status_code, response.headers.get("access-control-allow-origin"))


# ---------------------------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TLSState:
    """The TLS handshake with the REST port: protocol, verification, the certificate's validity."""

    version: str | None  # e.g. "TLSv1.3"; None when no handshake completed
    verify_error: str | None  # why the chain or the name did not verify, None when it did
    not_after: dt.datetime | None
    subject: str | None
    error: str | None = None  # no TLS at all (refused, plain HTTP, timeout)

    def days_left(self, now: dt.datetime | None = None) -> float | None:
        if self.not_after is None:
            return None
        return (self.not_after - (now or dt.datetime.now(dt.UTC))).total_seconds() / 86400


def _context(settings: TargetSettings, verify: bool) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ca = settings.tls.ca_file
    if ca and not ca.is_file():  # ssl's own error does not name the file
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(ca))
    return ssl.create_default_context(cafile=str(ca)) if ca else ssl.create_default_context()


def _handshake(settings: TargetSettings, verify: bool) -> tuple[str | None, bytes | None]:
    timeout = settings.connect_timeout + settings.timeout
    context = _context(settings, verify)
    with (
        socket.create_connection((settings.host, settings.port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=settings.host) as tls,
    ):
        return tls.version(), tls.getpeercert(binary_form=True)


def tls_state(settings: TargetSettings) -> TLSState:
    """Handshake once verifying (the configured CA, the name) and, if that fails, once without, to read the
    certificate's dates anyway. A self-signed certificate without ``target.tls.ca_file`` is a ``verify_error``."""
    verify_error: str | None = None
    try:
        version, der = _handshake(settings, verify=True)
    except ssl.SSLCertVerificationError as err:
        verify_error = err.verify_message or str(err)
        if "self-signed" in verify_error or "self signed" in verify_error:
            if settings.tls.ca_file is None:
                verify_error += " and no target.tls.ca_file is configured"
            else:
                verify_error += f" not signed by the CA in {settings.tls.ca_file}"
        try:
            version, der = _handshake(settings, verify=False)
        except (OSError, ssl.SSLError) as err2:
            return TLSState(None, verify_error, None, None, error=_one_line(err2))
    except (OSError, ssl.SSLError) as err:
        return TLSState(None, None, None, None, error=_one_line(err))
    not_after, subject = _cert_dates(der) if der else (None, None)
    return TLSState(version, verify_error, not_after, subject)


def _cert_dates(der: bytes) -> tuple[dt.datetime, str]:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return cert.not_valid_after_utc, cert.subject.rfc4514_string()


def _one_line(err: BaseException) -> str:
    if isinstance(err, ssl.SSLError):
        return f"TLS handshake failed: {err.reason or err}"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, OSError) and err.filename:
        return f"cannot read {err.filename}: {err.strerror} (target.tls.ca_file)"
    if isinstance(err, TimeoutError | socket.timeout):
        return "no answer within the timeout"
    return f"{type(err).__name__}: {err}"


def plain_http_answer(settings: TargetSettings) -> str | None:
    """The status line a plain-HTTP request to the TLS port gets, or None when it is refused (no HTTP answer)."""
    timeout = settings.connect_timeout + settings.timeout
    try:
        with socket.create_connection((settings.host, settings.port), timeout=timeout) as sock:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {settings.host}\r\nConnection: close\r\n\r\n".encode())
            data = sock.recv(256)
    except OSError:
        return None
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line if line.startswith("HTTP/") else None


# ---------------------------------------------------------------------------------------------- gRPC


@dataclass(frozen=True)
class GrpcHealth:
    address: str
    version: str | None
    error: str | None


def grpc_health(settings: TargetSettings, api_key: str | None, ca_file: str | None = None) -> GrpcHealth:
    """``qdrant.Qdrant/HealthCheck`` on ``target.grpc_port`` (TLS when the REST URL is https)."""
    import grpc
    from qdrant_client.grpc import HealthCheckRequest, QdrantStub

    assert settings.grpc_port is not None
    address = f"{settings.host}:{settings.grpc_port}"
    if settings.url.startswith("https"):
        root = Path(ca_file).read_bytes() if ca_file else None
        channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=root))
    else:
        channel = grpc.insecure_channel(address)
    metadata = [("api-key", api_key)] if api_key else []
    try:
        reply = QdrantStub(channel).HealthCheck(  # type: ignore[no-untyped-call]
            HealthCheckRequest(), timeout=settings.connect_timeout + settings.timeout, metadata=metadata
        )
        return GrpcHealth(address, str(reply.version), None)
    except grpc.RpcError as err:
        code = err.code() if hasattr(err, "code") else None
        details = err.details() if hasattr(err, "details") else str(err)
        return GrpcHealth(address, None, f"{getattr(code, 'name', code)}: {details}")
    finally:
        channel.close()
