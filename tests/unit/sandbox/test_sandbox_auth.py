"""API-key rules like Qdrant's: 401 texts, 403 for read-only writes, health paths open."""

from __future__ import annotations

import pytest

from golive.sandbox.auth import INVALID, MISSING, READ_ONLY_WRITE, Keys, Unauthorized, check_with_fault, is_write
from golive.sandbox.protocol import ApiError

KEYS = Keys("full", "ro")


def test_without_keys_everything_is_open() -> None:
    Keys(None, None).check("DELETE", "/collections/x", {})


@pytest.mark.parametrize("path", ["/", "/healthz", "/livez", "/readyz"])
def test_health_paths_are_open(path: str) -> None:
    KEYS.check("GET", path, {})


def test_missing_and_wrong_keys_are_401_with_qdrants_texts() -> None:
    with pytest.raises(Unauthorized, match=MISSING):
        KEYS.check("GET", "/collections", {})
    with pytest.raises(Unauthorized, match=INVALID):
        KEYS.check("GET", "/metrics", {"api-key": "nope"})
    with pytest.raises(Unauthorized, match=INVALID):
        KEYS.check("GET", "/collections", {"authorization": "Bearer nope"})


def test_bearer_and_header_keys_are_accepted() -> None:
    KEYS.check("PUT", "/collections/x", {"api-key": "full"})
    KEYS.check("PUT", "/collections/x", {"authorization": "Bearer full"})
    KEYS.check("GET", "/telemetry", {"api-key": "ro"})
    KEYS.check("POST", "/collections/x/points/query", {"api-key": "ro"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/collections/x"),
        ("PUT", "/collections/x/points"),
        ("POST", "/collections/x/points/delete"),
        ("POST", "/collections/x/snapshots"),
        ("GET", "/__sandbox/faults"),
    ],
)
def test_read_only_key_may_not_write(method: str, path: str) -> None:
    with pytest.raises(ApiError) as info:
        KEYS.check(method, path, {"api-key": "ro"})
    assert info.value.status == 403
    assert info.value.message == READ_ONLY_WRITE


def test_read_posts_are_not_writes() -> None:
    for suffix in ("", "/query", "/query/batch", "/search", "/search/batch", "/scroll", "/count"):
        assert not is_write("POST", f"/collections/x/points{suffix}")
    assert is_write("POST", "/collections/x/points/delete")
    assert is_write("POST", "/collections/x/points/payload")


@pytest.mark.parametrize(
    ("fault", "method", "headers", "allowed"),
    [
        ("keyless", "GET", {}, True),
        ("keyless", "GET", {"api-key": "wrong"}, False),  # only keyless requests slip through
        ("wrong_key", "GET", {"api-key": "wrong"}, True),
        ("wrong_key", "GET", {}, False),
        ("read_only_writes", "PUT", {"api-key": "ro"}, True),
        ("read_only_writes", "GET", {}, False),
        (None, "GET", {}, False),
    ],
)
def test_auth_fault_breaks_one_rule_at_a_time(
    fault: str | None, method: str, headers: dict[str, str], allowed: bool
) -> None:
    keys = Keys("secret", "ro")
    try:
        check_with_fault(keys, fault, method, "/collections/x", headers)
    except (Unauthorized, ApiError):
        assert not allowed
    else:
        assert allowed


def test_auth_fault_never_opens_the_fault_endpoint() -> None:
    with pytest.raises(Unauthorized):
        check_with_fault(Keys("secret", None), "keyless", "GET", "/__sandbox/faults", {})
