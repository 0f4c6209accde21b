"""Fixtures shared by the checklist areas (the plugin provides golive_config, qdrant and run_dir), and the
parametrization of items per configured thing (``pytest_golive_generate_tests``, see golive/hookspec.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from golive.config import Settings
from golive.load.slo import LATENCY_METRICS, Gate
from golive.probes.collections import CollectionState, ExpectedCollection, collection_state
from golive.probes.dependencies.settings import Dependency
from golive.target import Target

_GATE_KINDS: dict[str, Callable[[Gate], bool]] = {
    "latency_gate": lambda g: g.metric in LATENCY_METRICS,
    "throughput_gate": lambda g: g.metric == "throughput",
    "error_gate": lambda g: g.metric == "errors",
}


def pytest_golive_generate_tests(metafunc: pytest.Metafunc, settings: Settings) -> None:
    """The performance items: one per configured gate of the test's kind (``thresholds.gates``)."""
    for name, wanted in _GATE_KINDS.items():
        if name in metafunc.fixturenames:
            gates = [g for g in settings.thresholds.gates if wanted(g)]
            metafunc.parametrize(name, gates, ids=[g.text for g in gates])
    for kind in ("prometheus", "grafana"):  # the monitoring items: one per neighbour of that kind, or a skip
        if kind in metafunc.fixturenames:
            deps: list[Dependency | None] = [d for d in settings.dependencies if d.kind == kind]
            metafunc.parametrize(kind, deps or [None], ids=[d.name for d in deps if d] or ["none configured"])


@pytest.fixture(scope="session")
def _collection_states() -> dict[str, CollectionState | None]:
    return {}


@pytest.fixture
def observed_collection(
    qdrant: Target, expected_collection: ExpectedCollection, _collection_states: dict[str, CollectionState | None]
) -> CollectionState | None:
    """What Qdrant reports for the expected collection (read once per run), or None when it is missing."""
    name = expected_collection.name
    if name not in _collection_states:
        _collection_states[name] = collection_state(qdrant, name)
    return _collection_states[name]


@pytest.fixture
def collection(observed_collection: CollectionState | None, expected_collection: ExpectedCollection) -> CollectionState:
    """The expected collection's state; items about a missing collection skip (GL-COL-001 reports it)."""
    if observed_collection is None:
        pytest.skip(f"collection {expected_collection.name!r} does not exist (reported by GL-COL-001)")
    return observed_collection
