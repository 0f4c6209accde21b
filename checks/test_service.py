"""The Qdrant service on every host in ``hosts:``: its user, ports, listen addresses, unit, and the ownership
and permissions of its config file, storage, backups and log. The process is the one listening on the REST
port, so the items work with and without systemd."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.host.facade import FileInfo, HostProbe, Process
from golive.probes.host.settings import HostSettings

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-SVC-001", severity="blocker")
def test_process_runs_as_service_user(service_process: Process, host_settings: HostSettings, rest_port: int) -> None:
    """The process on the REST port runs as the configured service user."""
    if host_settings.user is None:
        pytest.skip(f"hosts[{host_settings.label}].user is not set: no service user to compare with")
    assert service_process.user == host_settings.user, (
        f"host {host_settings.label}: the process on port {rest_port} ({service_process.name}, pid "
        f"{service_process.pid}) runs as {service_process.user!r}; expected {host_settings.user!r} (hosts[].user)"
    )


@pytest.mark.check("GL-SVC-002", severity="blocker")
def test_process_does_not_run_as_root(service_process: Process, host_settings: HostSettings, rest_port: int) -> None:
    """The process on the REST port does not run as root."""
    assert service_process.uid != 0, (
        f"host {host_settings.label}: the process on port {rest_port} ({service_process.name}, pid "
        f"{service_process.pid}) runs as root (uid 0); expected an unprivileged service user"
    )


@pytest.mark.check("GL-SVC-003", severity="blocker")
def test_every_configured_port_is_listening(host: HostProbe, rest_port: int, golive_config: Settings) -> None:
    """Something listens on every configured port: REST, gRPC and metrics."""
    ports = host.settings.ports
    wanted = {"rest": rest_port, "grpc": ports.grpc or golive_config.target.grpc_port, "metrics": ports.metrics}
    seen, missing = [], []
    for role, port in wanted.items():
        if port is None:
            continue
        listener = host.listener(port)
        if listener is None:
            missing.append(f"{role} {port}")
        else:
            seen.append(f"{role} {port} ({listener.process or 'process not visible'} on {listener.address})")
    assert not missing, f"host {host.settings.label}: nothing listens on {', '.join(missing)}" + (
        f"; listening: {', '.join(seen)}" if seen else ""
    )


@pytest.mark.check("GL-SVC-004", severity="blocker")
def test_listens_only_on_allowed_addresses(
    host: HostProbe, service_process: Process, host_settings: HostSettings
) -> None:
    """The process listens on no address outside hosts[].listen_addresses."""
    allowed = host_settings.listen_addresses
    if allowed is None:
        pytest.skip(f"hosts[{host_settings.label}].listen_addresses is not set")
    sockets = [item for item in host.listeners() if item.pid == service_process.pid]
    outside = sorted({f"{item.address}:{item.port}" for item in sockets if item.address not in allowed})
    assert not outside, (
        f"host {host_settings.label}: {service_process.name} (pid {service_process.pid}) listens on "
        f"{', '.join(outside)}; allowed addresses: {', '.join(allowed)} (hosts[].listen_addresses)"
    )


@pytest.mark.check("GL-SVC-005", severity="blocker")
def test_unit_is_active_enabled_and_restarts(host: HostProbe, host_settings: HostSettings) -> None:
    """Where the host runs systemd, the unit is active, enabled and has a restart policy."""
    if host_settings.service is None:
        pytest.skip(f"hosts[{host_settings.label}].service is not set: the process was judged, not a unit")
    unit = host.unit(host_settings.service)
    if unit is None:
        pytest.skip(
            f"host {host_settings.label} does not run systemd: GL-SVC-001..004 judged the process found by its "
            f"port, not the unit {host_settings.service!r}"
        )
    healthy = unit.active == "active" and unit.enabled == "enabled" and unit.restart not in ("no", "?", "")
    assert healthy, (
        f"host {host_settings.label}: unit {unit.name} is {unit.active}, {unit.enabled}, Restart={unit.restart}; "
        "expected active, enabled and a restart policy (Restart=on-failure or always)"
    )


def _ownership(info: FileInfo, user: str, *, readable_by_others: bool) -> str | None:
    """What is wrong with a path's owner and mode, or None."""
    if not info.exists:
        return f"{info.path} does not exist"
    wrong = []
    if info.owner != user:
        wrong.append(f"owned by {info.owner}:{info.group}, expected {user}")
    if info.others_can_write:
        wrong.append("writable by others")
    if info.others_can_read and not readable_by_others:
        wrong.append("readable by others")
    return f"{info.path} ({info.kind}, mode {info.mode:o}) is {' and '.join(wrong)}" if wrong else None


@pytest.mark.check("GL-SVC-006", severity="blocker")
def test_config_file_is_owned_and_protected(host: HostProbe, host_settings: HostSettings, service_user: str) -> None:
    """The config file exists, is owned by the service user and is not writable by others."""
    if host_settings.config_file is None:
        pytest.skip(f"hosts[{host_settings.label}].config_file is not set")
    problem = _ownership(host.file(host.path(host_settings.config_file)), service_user, readable_by_others=True)
    assert problem is None, f"host {host_settings.label}: config file {problem}"


@pytest.mark.check("GL-SVC-007", severity="blocker")
def test_storage_and_backups_are_owned_and_private(
    host: HostProbe, host_settings: HostSettings, service_user: str, golive_config: Settings
) -> None:
    """The storage path and backup locations are owned by the service user and neither world-readable nor
    world-writable."""
    paths: list[Path] = [p for p in (host_settings.storage_path,) if p is not None]
    paths += golive_config.backups.locations
    if not paths:
        pytest.skip(f"neither hosts[{host_settings.label}].storage_path nor backups.locations is set")
    problems = [_ownership(host.file(host.path(p)), service_user, readable_by_others=False) for p in paths]
    found = [p for p in problems if p]
    assert not found, f"host {host_settings.label}: {'; '.join(found)}"


@pytest.mark.check("GL-SVC-008", severity="blocker")
def test_log_is_owned_by_service_user(host: HostProbe, host_settings: HostSettings, service_user: str) -> None:
    """The log file or directory named in the config exists and is owned by the service user."""
    if host_settings.log_path is None:
        pytest.skip(f"hosts[{host_settings.label}].log_path is not set")
    problem = _ownership(host.file(host.path(host_settings.log_path)), service_user, readable_by_others=True)
    assert problem is None, f"host {host_settings.label}: log {problem}"
