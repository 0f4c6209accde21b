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


# Items about neighbours are parametrized by dependency entry (GL-DEP-001[cache]); an entry's severity is its
# items' severity (items declared "warning" stay warnings). Kinds the config does not list are not collected.
DEPENDENCY_FIXTURES: dict[str, tuple[str, ...]] = {
    "redis_dependency": ("redis",),
    "postgres_dependency": ("postgres",),
    "http_dependency": ("http", "prometheus", "grafana"),
    "network_dependency": ("redis", "postgres", "http", "prometheus", "grafana", "tcp"),
}


def pytest_golive_generate_tests(metafunc: pytest.Metafunc, settings: Settings) -> None:
    """The performance items: one per configured gate of the test's kind (``thresholds.gates``); the dependency
    and network items: one per dependency entry of the test's kinds (``dependencies``)."""
    for name, wanted in _GATE_KINDS.items():
        if name in metafunc.fixturenames:
            gates = [g for g in settings.thresholds.gates if wanted(g)]
            metafunc.parametrize(name, gates, ids=[g.text for g in gates])
    for fixture, kinds in DEPENDENCY_FIXTURES.items():
        if fixture in metafunc.fixturenames:
            deps = [d.resolved(settings.target.url) for d in settings.dependencies if d.kind in kinds]
            if fixture == "network_dependency":
                deps = [d for d in deps if d.network is not None]
            metafunc.parametrize(fixture, deps, ids=[d.name for d in deps])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Dependency items: the entry's severity on the check marker; items of unlisted kinds deselected."""
    kept: list[pytest.Item] = []
    unconfigured: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        used = [params[f] for f in DEPENDENCY_FIXTURES if f in params]
        if any(not isinstance(dep, Dependency) for dep in used):  # an empty parameter set: none configured
            unconfigured.append(item)
            continue
        marker = item.get_closest_marker("check")
        if used and marker is not None and marker.kwargs.get("severity") != "warning":
            item.add_marker(pytest.mark.check(marker.args[0], severity=used[0].severity), append=False)
        kept.append(item)
    if unconfigured:
        config.hook.pytest_deselected(items=unconfigured)
        items[:] = kept


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
