"""The Target facade: which transport failures condemn the whole target and which only the call (issue 9.1)."""

from __future__ import annotations

import httpx
import pytest

from golive.errors import KeyRefused, TargetUnreachable
from golive.target import Target, TargetSettings


def _target(handler: httpx.MockTransport) -> Target:
    target = Target(TargetSettings(url="http://127.0.0.1:6347", timeout=5.0), environ={})
    target.http = httpx.Client(base_url=target.url, transport=handler)
    return target


def _slow(paths: set[str], exc: type[Exception] = httpx.ReadTimeout) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path in paths:
            raise exc("timed out", request=request)
        return httpx.Response(200, json={"status": "ok", "result": {}, "time": 0.0})

    return httpx.MockTransport(handle)


def test_a_slow_endpoint_fails_only_its_own_calls_and_names_its_path() -> None:
    target = _target(_slow({"/collections/documents/points/query"}))
    with pytest.raises(TargetUnreachable) as err:
        target.request("POST", "/collections/documents/points/query", json={})
    assert "POST /collections/documents/points/query" in str(err.value)
    assert "within 5 s" in str(err.value)
    assert target.get("/collections").status_code == 200
    assert target.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/livez"])
def test_a_timeout_on_a_health_endpoint_condemns_the_target_and_says_which_call_decided(path: str) -> None:
    target = _target(_slow({path}))
    with pytest.raises(TargetUnreachable):
        target.get(path)
    with pytest.raises(TargetUnreachable) as err:
        target.get("/collections")
    assert f"decided by GET {path}" in str(err.value)


def test_a_refused_connection_condemns_the_target_at_once() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    target = _target(httpx.MockTransport(refuse))
    with pytest.raises(TargetUnreachable, match=r"connection refused to http://127\.0\.0\.1:6347"):
        target.get("/collections")
    with pytest.raises(TargetUnreachable, match=r"decided by GET /collections"):
        target.get("/healthz")
    assert calls == ["/collections"]


def test_a_protocol_error_on_one_call_does_not_condemn_the_target() -> None:
    target = _target(_slow({"/metrics"}, httpx.RemoteProtocolError))
    with pytest.raises(TargetUnreachable, match="GET /metrics"):
        target.get("/metrics")
    assert target.get("/healthz").status_code == 200


def test_a_refused_key_is_one_line_naming_its_variable_and_later_calls_fail_at_once() -> None:
    """Issue 9.9: a wrong key gave 58 tracebacks of 'HTTP 401: Invalid API key or JWT'."""
    calls: list[str] = []

    def deny(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/healthz" or request.headers.get("api-key") != "right":
            return httpx.Response(401, text="Invalid API key or JWT")
        return httpx.Response(200, json={"status": "ok", "result": {}, "time": 0.0})

    target = Target(TargetSettings(url="http://127.0.0.1:6347"), environ={"QDRANT_API_KEY": "wrong-key-12345678"})
    target.http = httpx.Client(base_url=target.url, transport=httpx.MockTransport(deny))
    with pytest.raises(KeyRefused) as err:
        target.get("/collections")
    assert str(err.value) == "the target refused the API key from QDRANT_API_KEY: HTTP 401"
    with pytest.raises(KeyRefused):
        target.get("/cluster")
    with pytest.raises(KeyRefused):
        _ = target.client
    assert target.get("/healthz", key="none").status_code == 401  # without a key, a 401 is the server's answer
    assert target.get("/x", headers={"api-key": "bogus"}).status_code == 401  # a check's own header: its business
    assert calls == ["/collections", "/healthz", "/x"]
