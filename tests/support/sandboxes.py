"""A session sandbox lent to one test at a time: its faults cleared before the test and again after it.

@pytest.fixture
def sandbox(release_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    yield from cleared(release_sandbox)
"""

from __future__ import annotations

from collections.abc import Iterator

from golive.sandbox.testing import SandboxHandle


def cleared(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """For a fixture to ``yield from``: ``sandbox`` without faults, cleared again after the test, even a failed one."""
    sandbox.clear_faults()
    try:
        yield sandbox
    finally:
        sandbox.clear_faults()
