"""Shared sandboxes for the sandbox's integration tests (one small demo per session)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from qdrant_client import QdrantClient
from support.sandboxes import cleared

from golive.sandbox.testing import SandboxHandle, running_sandbox

DEMO_SCALE = 0.05


@pytest.fixture(scope="session")
def demo_scale() -> float:
    return DEMO_SCALE


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """A sandbox with the demo at scale 0.05 and no API key."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox") / "data", demo=True, demo_scale=DEMO_SCALE) as sb:
        yield sb


@pytest.fixture
def clean_faults(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """The shared sandbox, with every fault cleared afterwards even if the test fails."""
    yield from cleared(sandbox)


@pytest.fixture
def http(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=httpx.Timeout(10.0)) as client:
        yield client


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[QdrantClient]:
    qc = QdrantClient(url=sandbox.url, timeout=10)
    yield qc
    qc.close()
