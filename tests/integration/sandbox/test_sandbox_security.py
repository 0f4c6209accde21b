"""API keys (401 texts, 403 for read-only writes), TLS with a self-signed certificate, CORS origins."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient, models

from golive.sandbox.testing import SandboxHandle, running_sandbox

pytestmark = pytest.mark.integration

API_KEY = "sandbox-full-key"
READ_ONLY_KEY = "sandbox-read-key"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """A sandbox with an API key and a read-only key, no demo."""
    data = tmp_path_factory.mktemp("secured") / "data"
    with running_sandbox(data, api_key=API_KEY, read_only_key=READ_ONLY_KEY) as sb:
        yield sb


def test_health_paths_stay_open(secured: SandboxHandle) -> None:
    for path in ("/", "/healthz", "/livez", "/readyz"):
        assert httpx.get(secured.url + path, timeout=5).status_code == 200, path


@pytest.mark.parametrize("path", ["/collections", "/metrics", "/telemetry", "/__sandbox/faults"])
def test_missing_key_is_401_plain_text(secured: SandboxHandle, path: str) -> None:
    response = httpx.get(secured.url + path, timeout=5)
    assert response.status_code == 401
    assert response.text == "Must provide an API key or an Authorization bearer token"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["/dashboard%2f..%2fcollections", "/no/such/path", "/collections/x/nothing"])
def test_unknown_paths_ask_for_the_key_before_routing(secured: SandboxHandle, path: str) -> None:
    """Qdrant's API-key middleware runs before its router: no key is a 401 even where nothing is served."""
    missing = httpx.get(secured.url + path, timeout=5)
    assert (missing.status_code, missing.text) == (401, "Must provide an API key or an Authorization bearer token")
    wrong = httpx.get(secured.url + path, headers={"api-key": "wrong"}, timeout=5)
    assert (wrong.status_code, wrong.text) == (401, "Invalid API key or JWT")
    for key in (API_KEY, READ_ONLY_KEY):
        found = httpx.get(secured.url + path, headers={"api-key": key}, timeout=5)
        assert (found.status_code, found.text) == (404, "")


def test_wrong_key_is_401_invalid(secured: SandboxHandle) -> None:
    for headers in ({"api-key": "wrong"}, {"Authorization": "Bearer wrong"}):
        response = httpx.get(secured.url + "/collections", headers=headers, timeout=5)
        assert (response.status_code, response.text) == (401, "Invalid API key or JWT")


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection:UserWarning")
def test_read_only_key_reads_but_cannot_write(secured: SandboxHandle) -> None:
    full = QdrantClient(url=secured.url, api_key=API_KEY, timeout=10)
    full.create_collection("ro_test", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    full.upsert("ro_test", points=[models.PointStruct(id=1, vector=[1.0, 0.0])])
    ro = {"api-key": READ_ONLY_KEY}
    assert httpx.get(secured.url + "/metrics", headers=ro, timeout=5).status_code == 200
    assert httpx.get(secured.url + "/telemetry", headers=ro, timeout=5).status_code == 200
    query = httpx.post(secured.url + "/collections/ro_test/points/query", json={"query": [1, 0]}, headers=ro, timeout=5)
    assert query.status_code == 200
    facet = httpx.post(secured.url + "/collections/ro_test/facet", json={"key": "k"}, headers=ro, timeout=5)
    assert facet.status_code == 400
    assert "No appropriate index for faceting" in facet.text
    for method, path in (("POST", "/snapshots"), ("POST", "/collections/ro_test/shards/0/snapshots")):
        refused = httpx.request(method, secured.url + path, headers=ro, timeout=5)
        assert (method, path, refused.status_code) == (method, path, 403)
    assert httpx.get(secured.url + "/snapshots", headers=ro, timeout=5).status_code == 200
    write = httpx.put(
        secured.url + "/collections/ro_test/points",
        json={"points": [{"id": 2, "vector": [0, 1]}]},
        headers=ro,
        timeout=5,
    )
    assert write.status_code == 403
    assert write.json()["status"]["error"] == "Forbidden: Global manage access is required"
    assert httpx.put(secured.url + "/__sandbox/faults", json={}, headers=ro, timeout=5).status_code == 403
    patch = httpx.patch(secured.url + "/collections/ro_test", json={"hnsw_config": {"m": 8}}, headers=ro, timeout=5)
    assert patch.status_code == 403
    assert httpx.patch(secured.url + "/collections", json={}, timeout=5).status_code == 401  # auth before 405
    bearer = httpx.get(secured.url + "/collections", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
    assert bearer.status_code == 200
    assert full.delete_collection("ro_test")
    full.close()


def test_handle_fault_helpers_send_the_key(secured: SandboxHandle) -> None:
    assert secured.set_faults(latency_ms=1)["latency_ms"] == 1
    secured.clear_faults()
    assert secured.faults()["latency_ms"] == 0


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_tls_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with running_sandbox(tmp_path / "data", tls=(cert, key), ready_timeout=60) as sb:
        assert sb.url.startswith("https://")
        response = httpx.get(sb.url + "/", verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
        assert response.json()["title"] == "qdrant - vector search engine"
        with pytest.raises(httpx.ConnectError):
            httpx.get(sb.url + "/", timeout=5)  # not trusted without the certificate
        with pytest.raises(httpx.HTTPError):
            httpx.get(sb.url.replace("https://", "http://") + "/", timeout=5)


def test_configured_cors_origin_only(tmp_path: Path) -> None:
    with running_sandbox(
        tmp_path / "data", extra_args=("--cors-origin", "https://ok.example", "https://also.example")
    ) as sb:
        preflight = {"Access-Control-Request-Method": "POST"}
        good = httpx.options(sb.url + "/collections", headers={"Origin": "https://ok.example", **preflight}, timeout=5)
        assert good.headers["access-control-allow-origin"] == "https://ok.example"
        also = httpx.options(sb.url + "/", headers={"Origin": "https://also.example", **preflight}, timeout=5)
        assert also.headers["access-control-allow-origin"] == "https://also.example"
        bad = httpx.options(sb.url + "/collections", headers={"Origin": "https://evil.example", **preflight}, timeout=5)
        assert "access-control-allow-origin" not in bad.headers
        simple = httpx.get(sb.url + "/collections", headers={"Origin": "https://evil.example"}, timeout=5)
        assert "access-control-allow-origin" not in simple.headers
