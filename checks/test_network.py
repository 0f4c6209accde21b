"""Network: TCP connect time to every neighbour's service port (the host and port of each dependency's URL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from golive.probes.dependencies.network import observe_connect
from golive.probes.dependencies.settings import Dependency

pytestmark = pytest.mark.golive
Record = Callable[[str, object], None]


@pytest.mark.check("GL-NET-001")
def test_neighbour_port_connects_fast(network_dependency: Dependency, record_property: Record) -> None:
    """TCP connects to the neighbour's service port succeed, p50/p99 over a short burst under the bounds."""
    dep = network_dependency
    options = dep.network
    assert options is not None
    seen = observe_connect(dep.host, dep.port, count=options.burst, timeout=dep.timeout)
    assert seen.error is None, f"{dep.name}: {seen.error}"
    assert seen.burst is not None
    record_property("connect", {"address": seen.address, "count": seen.burst.count, "p50": seen.burst.p50,
                                "p99": seen.burst.p99, "max": seen.burst.max})  # fmt: skip
    over = seen.burst.over(options.p50, options.p99)
    assert not over, f"{dep.name}: TCP connect to {seen.address}: {seen.burst}: {'; '.join(over)} (network)"
