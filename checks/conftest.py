"""Fixtures shared by the checklist areas (the plugin provides golive_config, qdrant and run_dir), and the
parametrization of items per configured thing (``pytest_golive_generate_tests``, see golive/hookspec.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from golive.config import Settings
from golive.load.slo import LATENCY_METRICS, Gate
from golive.probes.collections import CollectionState, ExpectedCollection, collection_state
from golive.probes.dependencies.settings import Dependency
from golive.probes.host import HostSettings
from golive.probes.host.facade import HostProbe, Process
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
    """The performance items: one per configured gate of the test's kind (``thresholds.gates``); the host
    items: one per entry in ``hosts:``; the dependency and network items: one per dependency entry of the
    test's kinds (``dependencies``)."""
    for name, wanted in _GATE_KINDS.items():
        if name in metafunc.fixturenames:
            gates = [g for g in settings.thresholds.gates if wanted(g)]
            metafunc.parametrize(name, gates, ids=[g.text for g in gates])
    for kind in ("prometheus", "grafana"):  # the monitoring items: one per neighbour of that kind, or a skip
        if kind in metafunc.fixturenames:
            deps: list[Dependency | None] = [d for d in settings.dependencies if d.kind == kind]
            metafunc.parametrize(kind, deps or [None], ids=[d.name for d in deps if d] or ["none configured"])
    if "host_settings" in metafunc.fixturenames:  # the host items: one per entry in hosts:
        # no hosts listed: a placeholder, deselected below, so the run has no host items at all
        params: list[Any] = [pytest.param(h, id=h.label) for h in settings.hosts] or [pytest.param(None, id=_NO_HOSTS)]
        metafunc.parametrize("host_settings", params, scope="session")

    for fixture, kinds in DEPENDENCY_FIXTURES.items():
        if fixture in metafunc.fixturenames:
            deps = [d.resolved(settings.target.url) for d in settings.dependencies if d.kind in kinds]
            if fixture == "network_dependency":
                deps = [d for d in deps if d.network is not None]
            metafunc.parametrize(fixture, deps, ids=[d.name for d in deps])


_NO_HOSTS = "no-hosts"


def _no_host(params: dict[str, Any]) -> bool:
    return "host_settings" in params and params["host_settings"] is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Items that have nothing to check are not collected (deselected, not skipped): with an empty ``hosts:``
    (it claims no host access: a managed service) the host items; the dependency items of kinds the config
    does not list. A dependency item takes its entry's severity (items declared "warning" stay warnings); a
    monitoring item of a prometheus or grafana entry takes the entry's severity."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec else {}
        used = [params[f] for f in DEPENDENCY_FIXTURES if f in params]
        # the placeholder host is None: also in items parametrized by more than the host (GL-BAK-003[faq-no-hosts])
        if _no_host(params) or any(not isinstance(d, Dependency) for d in used):
            dropped.append(item)  # the hosts placeholder, or a dependency fixture's empty parameter set
            continue
        marker = item.get_closest_marker("check")
        severity = used[0].severity if used and marker and marker.kwargs.get("severity") != "warning" else None
        # the monitoring items of a prometheus / grafana entry: the entry's severity, also raising GL-MON-008
        # (declared warning, the grafana default) to a blocker where the entry says so
        watcher = [params[k] for k in ("prometheus", "grafana") if isinstance(params.get(k), Dependency)]
        severity = watcher[0].severity if watcher else severity
        if severity is not None and marker is not None:
            item.add_marker(pytest.mark.check(marker.args[0], severity=severity), append=False)
        kept.append(item)
    if dropped:
        items[:] = kept
        config.hook.pytest_deselected(items=dropped)


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


# ---------------------------------------------------------------------------------------------- hosts


@pytest.fixture(scope="session")
def _host_probes() -> Iterator[dict[str, HostProbe]]:
    probes: dict[str, HostProbe] = {}
    yield probes
    for probe in probes.values():
        probe.close()


@pytest.fixture(scope="session")
def _hosts_described() -> set[str]:
    return set()


@pytest.fixture
def host(
    host_settings: HostSettings,
    _host_probes: dict[str, HostProbe],
    _hosts_described: set[str],
    record_property: Callable[[str, object], None],
) -> HostProbe:
    """The host under check (a testinfra facade: ``host.memory()``); its facts go into the run record once."""
    label = host_settings.label
    if label not in _host_probes:
        _host_probes[label] = HostProbe(host_settings)
    probe = _host_probes[label]
    probe.conn.check()  # an unreachable host fails every item at once with the same line
    if label not in _hosts_described:
        _hosts_described.add(label)
        record_property("golive_host", {"host": label, "spec": host_settings.spec, **probe.evidence()})
    return probe


@pytest.fixture
def rest_port(host_settings: HostSettings, golive_config: Settings) -> int:
    """The REST port on the host: ``ports.rest``, else the port of ``target.url``."""
    return host_settings.ports.rest or golive_config.target.port


@pytest.fixture
def service_process(host: HostProbe, rest_port: int) -> Process:
    """The process listening on the REST port (found by port: works with and without systemd)."""
    where = f"host {host.settings.label}"
    listener = host.listener(rest_port)
    if listener is None:
        pytest.fail(f"nothing listens on the REST port {rest_port} on {where}", pytrace=False)
    if listener.pid is None:
        pytest.fail(
            f"port {rest_port} on {where} is listened on, but {host.facts().connected_as!r} may not see by which "
            "process: probe as the service user or set sudo: true",
            pytrace=False,
        )
    return host.process(listener.pid)


@pytest.fixture
def service_user(host_settings: HostSettings, request: pytest.FixtureRequest) -> str:
    """The configured service user; without ``user:`` in the config, the user the process runs as."""
    if host_settings.user:
        return host_settings.user
    process: Process = request.getfixturevalue("service_process")
    return process.user
