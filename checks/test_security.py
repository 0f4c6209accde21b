"""Security: what ``claims`` says is on is enforced (API keys, the read-only key, TLS, CORS, exposure, gRPC).

An item whose claim is off skips with that reason; one whose claim is on fails when the deployment does not
enforce it. Writes go only to ``golive_probe_<run-id>_*`` collections; no message carries a key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.security import (
    TLSState,
    access,
    access_with_wrong_key,
    cors_preflight,
    grpc_health,
    plain_http_answer,
    tls_state,
    try_probe_write,
)
from golive.target import Target

pytestmark = pytest.mark.golive

HEALTH_PATHS = ("/healthz", "/livez", "/readyz")


def _claimed(settings: Settings, claim: str) -> None:
    if not getattr(settings.claims, claim):
        pytest.skip(f"claims.{claim} is off: the deployment does not claim it")


def _admin_key(qdrant: Target, settings: Settings) -> None:
    __tracebackhide__ = True
    assert qdrant.api_key, f"claims.api_key is on but ${settings.target.api_key_env} is not set in the environment"


def _read_only_key(qdrant: Target, settings: Settings) -> None:
    __tracebackhide__ = True
    env = settings.target.read_only_api_key_env
    assert qdrant.read_only_key, f"claims.read_only_api_key is on but ${env} is not set in the environment"


def _writes_allowed(settings: Settings) -> None:
    if not settings.allow.probe_writes:
        pytest.skip("allow.probe_writes is off: the write half of this item needs a probe collection")


@pytest.fixture(scope="module")
def tls(golive_config: Settings) -> TLSState:
    """The TLS handshake with the REST port, once per run."""
    _claimed(golive_config, "tls")
    url = golive_config.target.url
    if not url.startswith("https://"):
        return TLSState(None, None, None, None, error=f"claims.tls is on but target.url is {url} (expected https://)")
    return tls_state(golive_config.target)


@pytest.mark.check("GL-SEC-001", severity="blocker")
def test_data_endpoints_refuse_requests_without_a_key(qdrant: Target, golive_config: Settings) -> None:
    """Without a key a data endpoint answers 401, while the health endpoints stay open (as Qdrant keeps them)."""
    _claimed(golive_config, "api_key")
    keyless = access(qdrant, "GET", "/collections", key="none")
    assert keyless.status == 401, f"{keyless}; expected HTTP 401: the API key claimed is not enforced"
    closed = [str(seen) for path in HEALTH_PATHS if (seen := access(qdrant, "GET", path, key="none")).status != 200]
    assert not closed, f"health endpoints must stay open without a key (Qdrant keeps them open): {closed}"


@pytest.mark.check("GL-SEC-002", severity="blocker")
def test_a_wrong_key_is_refused(qdrant: Target, golive_config: Settings) -> None:
    """A request with a wrong API key answers 401."""
    _claimed(golive_config, "api_key")
    seen = access_with_wrong_key(qdrant)
    assert seen.status == 401, f"{seen}; expected HTTP 401: any key is accepted"


@pytest.mark.check("GL-SEC-003", severity="blocker")
def test_read_only_key_reads_but_cannot_write(qdrant: Target, golive_config: Settings, run_dir: Path) -> None:
    """The read-only key can read, and gets 403 on a write (tried on a probe collection, removed if it was made)."""
    _claimed(golive_config, "read_only_api_key")
    _read_only_key(qdrant, golive_config)
    read = access(qdrant, "GET", "/collections", key="read_only")
    assert read.status == 200, f"{read}; expected HTTP 200: the read-only key cannot read"
    _writes_allowed(golive_config)
    write = try_probe_write(qdrant, run_dir.name, key="read_only", suffix="sec_ro")
    removed = " (it was created and has been removed again)" if write.cleaned_up else ""
    assert write.create.status == 403, f"{write.create}{removed}; expected HTTP 403: the read-only key can write"


@pytest.mark.check("GL-SEC-004", severity="blocker")
def test_admin_key_reads_and_writes(qdrant: Target, golive_config: Settings, run_dir: Path) -> None:
    """The admin key can read and write (a probe collection, created and removed)."""
    _claimed(golive_config, "api_key")
    _admin_key(qdrant, golive_config)
    read = access(qdrant, "GET", "/collections", key="admin")
    assert read.status == 200, f"{read}; expected HTTP 200"
    _writes_allowed(golive_config)
    write = try_probe_write(qdrant, run_dir.name, key="admin", suffix="sec_admin")
    assert write.create.status == 200, f"{write.create}; expected HTTP 200"
    assert write.cleaned_up, f"{write.create} but the probe collection was not removed"


@pytest.mark.check("GL-SEC-005", severity="blocker")
def test_metrics_and_telemetry_need_a_key(qdrant: Target, golive_config: Settings) -> None:
    """/metrics and /telemetry are not readable without a key where a key is claimed."""
    _claimed(golive_config, "api_key")
    paths = golive_config.security.protected_paths
    open_ = [str(seen) for path in paths if (seen := access(qdrant, "GET", path, key="none")).status < 400]
    assert not open_, f"readable without a key: {open_}; expected HTTP 401 or 403"


@pytest.mark.check("GL-SEC-006", severity="blocker")
def test_rest_speaks_tls_with_a_verified_chain(tls: TLSState, golive_config: Settings) -> None:
    """The REST endpoint speaks TLS 1.2 or newer, its chain verifies against the configured CA and the name matches."""
    assert tls.error is None, f"no TLS on {golive_config.target.url}: {tls.error}"
    assert tls.verify_error is None, f"certificate does not verify: {tls.verify_error}"
    assert tls.version in {"TLSv1.2", "TLSv1.3"}, f"negotiated {tls.version}; expected TLS 1.2 or newer"


@pytest.mark.check("GL-SEC-007", severity="blocker")
def test_certificate_is_not_expired(tls: TLSState, golive_config: Settings) -> None:
    """The server certificate has not expired."""
    assert tls.error is None, f"no TLS on {golive_config.target.url}: {tls.error}"
    days = tls.days_left()
    assert days is not None, "the server sent no certificate"
    assert days > 0, f"certificate {tls.subject} expired {-(days or 0):.1f} days ago"


@pytest.mark.check("GL-SEC-008", severity="warning")
def test_certificate_is_not_about_to_expire(tls: TLSState, golive_config: Settings) -> None:
    """The server certificate is valid for longer than ``target.tls.cert_expiry_warning``."""
    assert tls.error is None, f"no TLS on {golive_config.target.url}: {tls.error}"
    days = tls.days_left() or 0.0
    warn = golive_config.target.tls.cert_expiry_warning / 86400
    until = tls.not_after.date() if tls.not_after else dt.date.min
    assert days > warn, f"certificate {tls.subject} expires in {days:.1f} days ({until}); warning at {warn:g} days"


@pytest.mark.check("GL-SEC-009", severity="blocker")
def test_plain_http_is_refused_on_the_tls_port(tls: TLSState, golive_config: Settings) -> None:
    """Plain HTTP on the TLS port is refused: no answer, or an HTTP error (nginx's 400 "plain HTTP to HTTPS port")."""
    answer = plain_http_answer(golive_config.target)
    port = golive_config.target.port
    code = answer.split(" ", 2)[1] if answer and " " in answer else "no status"
    served = answer is not None and not (code.isdigit() and int(code) >= 400)
    assert not served, f"plain HTTP on port {port} answered {answer!r}; expected the request to be refused"


@pytest.mark.check("GL-SEC-010", severity="blocker")
def test_cors_refuses_a_foreign_origin(qdrant: Target, golive_config: Settings) -> None:
    """Where a restricted CORS policy is claimed, a preflight from a foreign origin is not allowed."""
    _claimed(golive_config, "restricted_cors")
    seen = cors_preflight(qdrant, golive_config.security.foreign_origin)
    assert not seen.allowed, (
        f"{seen}; expected the origin to be refused (Qdrant allows any origin by default: set service.cors)"
    )


@pytest.mark.check("GL-SEC-011", severity="blocker")
def test_grpc_answers_health_check(qdrant: Target, golive_config: Settings) -> None:
    """gRPC answers ``qdrant.Qdrant/HealthCheck`` on ``target.grpc_port``."""
    settings = golive_config.target
    if settings.grpc_port is None:
        pytest.skip("target.grpc_port is null: the deployment serves no gRPC")
    ca = str(settings.tls.ca_file) if settings.tls.ca_file else None
    seen = grpc_health(settings, qdrant.api_key, ca)
    assert seen.error is None, f"gRPC HealthCheck on {seen.address} failed: {seen.error}"
