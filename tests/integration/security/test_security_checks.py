"""checks/test_security.py against real servers: a secured sandbox passes every item; each item fails for its own
reason (the sandbox's ``auth`` fault, an open CORS policy, an expiring, expired or unverifiable certificate,
plain HTTP, a dead gRPC port); no output of a run carries a key."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import httpx
import pytest
from qdrant_client.grpc import HealthCheckReply, HealthCheckRequest

from golive.sandbox.certs import CA, server_cert
from golive.sandbox.testing import SandboxHandle, running_sandbox

from .conftest import (
    API_KEY,
    READ_ONLY_KEY,
    keys_env,
    run_area,
    secured_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY_ITEMS = ("GL-SEC-001", "GL-SEC-002", "GL-SEC-003", "GL-SEC-004", "GL-SEC-005")
TLS_ITEMS = ("GL-SEC-006", "GL-SEC-007", "GL-SEC-008", "GL-SEC-009")


def test_secured_sandbox_passes_every_claimed_item(tmp_path: Path, secured_clean: SandboxHandle, ca: CA) -> None:
    run = run_area(tmp_path, secured_config(secured_clean, ca.cert_file), "security", env=keys_env())
    outcomes = run.outcomes("GL-SEC-")
    assert {i: outcomes[i] for i in (*KEY_ITEMS, *TLS_ITEMS, "GL-SEC-010")} == dict.fromkeys(
        (*KEY_ITEMS, *TLS_ITEMS, "GL-SEC-010"), "passed"
    ), run.output[-3000:]
    assert outcomes["GL-SEC-011"] == "skipped"
    assert "grpc_port is null" in run.message("GL-SEC-011")
    for key in (API_KEY, READ_ONLY_KEY):  # every output of the run: terminal, summary, report folder
        assert key not in run.output
        for path in (tmp_path / "reports").rglob("*"):
            if path.is_file():
                assert key not in path.read_text(errors="replace"), path


def test_claims_off_skip_with_their_reason(tmp_path: Path, secured_clean: SandboxHandle, ca: CA) -> None:
    config = secured_config(secured_clean, ca.cert_file, api_key=False, read_only_api_key=False, tls=False)
    config["claims"]["restricted_cors"] = False
    run = run_area(tmp_path, config, "security", env=keys_env())
    for check_id, claim in (("GL-SEC-001", "api_key"), ("GL-SEC-003", "read_only_api_key"),
                            ("GL-SEC-006", "tls"), ("GL-SEC-010", "restricted_cors")):  # fmt: skip
        assert run.outcome(check_id) == "skipped"
        assert f"claims.{claim} is off" in run.message(check_id)


@pytest.mark.parametrize(
    ("fault", "failing", "words"),
    [
        ("keyless", {"GL-SEC-001", "GL-SEC-005"}, "GET /collections with no key -> HTTP 200"),
        ("wrong_key", {"GL-SEC-002"}, "with a wrong key -> HTTP 200; expected HTTP 401"),
        ("read_only_writes", {"GL-SEC-003"}, "has been removed again"),
    ],
)
def test_broken_key_enforcement_fails_its_own_item(
    tmp_path: Path, secured_clean: SandboxHandle, ca: CA, fault: str, failing: set[str], words: str
) -> None:
    secured_clean.set_faults(auth=fault)
    run = run_area(tmp_path, secured_config(secured_clean, ca.cert_file), "security", env=keys_env())
    outcomes = run.outcomes("GL-SEC-")
    assert {i for i, o in outcomes.items() if o == "failed"} == failing, run.output[-3000:]
    assert words in run.message(sorted(failing)[0])
    assert run.summary["verdict"] == "NO-GO"
    with httpx.Client(base_url=secured_clean.url, verify=secured_clean.verify, headers={"api-key": API_KEY}) as c:
        collections = c.get("/collections").json()["result"]["collections"]
    assert [c["name"] for c in collections] == []  # the read-only write was cleaned up, nothing else written
    assert API_KEY not in run.output
    assert READ_ONLY_KEY not in run.output


def test_any_origin_fails_the_restricted_cors_claim(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data") as sb:  # Qdrant's default: any origin
        config = {"target": {"url": sb.url, "grpc_port": None}, "claims": {"restricted_cors": True}}
        run = run_area(tmp_path, config, "security")
    assert run.outcome("GL-SEC-010") == "failed"
    assert "access-control-allow-origin: *" in run.message("GL-SEC-010")
    assert "Qdrant allows any origin by default" in run.message("GL-SEC-010")


def test_expiring_certificate_warns_with_days_left(tmp_path: Path, ca: CA) -> None:
    tls = server_cert(ca, tmp_path / "tls", days=5)
    with running_sandbox(tmp_path / "data", tls=tls, ca_file=ca.cert_file) as sb:
        run = run_area(tmp_path, secured_config(sb, ca.cert_file, api_key=False, read_only_api_key=False), "security")
    outcomes = run.outcomes("GL-SEC-")
    assert [outcomes[i] for i in TLS_ITEMS] == ["passed", "passed", "failed", "passed"], run.output[-3000:]
    assert "expires in 5.0 days" in run.message("GL-SEC-008")
    assert "warning at 30 days" in run.message("GL-SEC-008")


@pytest.fixture
def tls_listener(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[int, Path]]:
    """A bare TLS server (handshake only) with the certificate ``request.param`` names: expired, self-signed, or
    wrong-name (signed by the CA, valid, but for another host than 127.0.0.1)."""
    kind = request.param
    ca_obj = None if kind == "self-signed" else request.getfixturevalue("ca")
    hosts = ("db.example.test",) if kind == "wrong-name" else ("127.0.0.1",)
    cert, key = server_cert(ca_obj, tmp_path / "tls", days=-3 if kind == "expired" else 90, hosts=hosts)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(1)
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], cert
    finally:
        stop.set()
        thread.join(5)
        server.close()


def _tls_only_config(port: int, ca_file: Path | None) -> dict[str, object]:
    target: dict[str, object] = {"url": f"https://127.0.0.1:{port}", "grpc_port": None, "timeout": "2s"}
    if ca_file is not None:
        target["tls"] = {"ca_file": str(ca_file)}
    return {"target": target, "claims": {"tls": True}}


@pytest.mark.parametrize("tls_listener", ["expired"], indirect=True)
def test_expired_certificate_fails_the_blocker(tmp_path: Path, tls_listener: tuple[int, Path], ca: CA) -> None:
    port, _ = tls_listener
    run = run_area(tmp_path, _tls_only_config(port, ca.cert_file), "security")
    assert run.outcome("GL-SEC-007") == "failed"
    assert "expired 3.0 days ago" in run.message("GL-SEC-007")
    assert "certificate has expired" in run.message("GL-SEC-006")


@pytest.mark.parametrize("tls_listener", ["wrong-name"], indirect=True)
def test_a_certificate_for_another_name_fails_the_chain_item(
    tmp_path: Path, tls_listener: tuple[int, Path], ca: CA
) -> None:
    """The chain verifies against the CA, but the name does not match the target's host: GL-SEC-006 fails."""
    port, _ = tls_listener
    run = run_area(tmp_path, _tls_only_config(port, ca.cert_file), "security")
    assert run.outcome("GL-SEC-006") == "failed"
    assert "certificate does not verify: IP address mismatch" in run.message("GL-SEC-006")
    assert "127.0.0.1" in run.message("GL-SEC-006")
    assert run.outcome("GL-SEC-007") == "passed"  # its dates are read anyway: valid, not expired


@pytest.mark.parametrize("tls_listener", ["self-signed"], indirect=True)
def test_self_signed_without_ca_fails_in_one_line(tmp_path: Path, tls_listener: tuple[int, Path]) -> None:
    port, _ = tls_listener
    run = run_area(tmp_path, _tls_only_config(port, None), "security")
    message = run.message("GL-SEC-006")
    assert run.outcome("GL-SEC-006") == "failed"
    assert "self-signed certificate" in message
    assert "no target.tls.ca_file is configured" in message
    assert "\n" not in message
    assert "Traceback" not in run.output


@pytest.mark.parametrize("tls_listener", ["self-signed"], indirect=True)
def test_a_missing_ca_file_fails_in_one_line(tmp_path: Path, tls_listener: tuple[int, Path]) -> None:
    port, _ = tls_listener
    run = run_area(tmp_path, _tls_only_config(port, tmp_path / "no-such-ca.pem"), "security")
    assert run.outcome("GL-SEC-006") == "failed"
    assert f"cannot read {tmp_path / 'no-such-ca.pem'}: No such file or directory" in run.message("GL-SEC-006")
    assert "Traceback" not in run.output


def test_plain_http_where_tls_is_claimed_fails(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data") as sb:
        run = run_area(tmp_path, {"target": {"url": sb.url, "grpc_port": None}, "claims": {"tls": True}}, "security")
    assert run.outcome("GL-SEC-006") == "failed"
    assert "expected https://" in run.message("GL-SEC-006")
    assert run.outcome("GL-SEC-009") == "failed"
    assert "answered 'HTTP/1.1 200 OK'" in run.message("GL-SEC-009")


class _Health(grpc.GenericRpcHandler):
    """The one method of Qdrant's gRPC service the item calls: ``qdrant.Qdrant/HealthCheck``."""

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        if details.method != "/qdrant.Qdrant/HealthCheck":
            return None
        reply = HealthCheckReply(title="qdrant - vector search engine", version="1.19.0")
        return grpc.unary_unary_rpc_method_handler(
            lambda request, context: reply,
            request_deserializer=HealthCheckRequest.FromString,
            response_serializer=HealthCheckReply.SerializeToString,
        )


@pytest.fixture
def grpc_port() -> Iterator[int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[_Health()])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(grace=None).wait(5)


def test_grpc_health_check_passes_and_fails_on_a_dead_port(tmp_path: Path, grpc_port: int) -> None:
    with running_sandbox(tmp_path / "data") as sb:
        up = run_area(tmp_path / "up", {"target": {"url": sb.url, "grpc_port": grpc_port}}, "security")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead_port = s.getsockname()[1]
        down = run_area(tmp_path / "down", {"target": {"url": sb.url, "grpc_port": dead_port}}, "security")
    assert up.outcome("GL-SEC-011") == "passed", up.message("GL-SEC-011")
    assert down.outcome("GL-SEC-011") == "failed"
    assert f"127.0.0.1:{dead_port} failed: UNAVAILABLE" in down.message("GL-SEC-011")
