"""System resources of every host in ``hosts:``: memory, disk, load, CPU, swap, clock, and the kernel limits
of the Qdrant process (found by the port it listens on). Thresholds: ``thresholds.system``."""

from __future__ import annotations

import pytest

from golive.config import Settings
from golive.probes.host.facade import HostProbe, Process, gib, pct
from golive.probes.host.settings import HostSettings

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-SYS-001", severity="blocker")
def test_memory_in_use_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """Memory in use (total minus available) is at most thresholds.system.memory."""
    mem, limit = host.memory(), golive_config.thresholds.system.memory
    assert mem.used_share <= limit, (
        f"host {host.settings.label}: {mem.used_share:.1%} of memory in use ({gib(mem.available)} available of "
        f"{gib(mem.total)}); expected at most {pct(limit)} (thresholds.system.memory)"
    )


@pytest.mark.check("GL-SYS-002", severity="blocker")
def test_storage_disk_use_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """The disk holding the storage path is used at most thresholds.system.disk."""
    if host.settings.storage_path is None:
        pytest.skip(f"hosts[{host.settings.label}].storage_path is not set")
    path = host.path(host.settings.storage_path)
    disk, limit = host.disk(path), golive_config.thresholds.system.disk
    assert disk is not None, f"host {host.settings.label}: storage path {path} does not exist"
    assert disk.used_share <= limit, (
        f"host {host.settings.label}: {path} (on {disk.mount}) is {disk.used_share:.1%} used, "
        f"{gib(disk.available)} free of {gib(disk.total)}; expected at most {pct(limit)} (thresholds.system.disk)"
    )


@pytest.mark.check("GL-SYS-003", severity="blocker")
def test_backup_disk_use_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """Every backup location exists and its disk is used at most thresholds.system.disk."""
    locations, limit = golive_config.backups.locations, golive_config.thresholds.system.disk
    if not locations:
        pytest.skip("backups.locations lists no backup location")
    problems, seen = [], []
    for location in locations:
        path = host.path(location)
        disk = host.disk(path)
        if disk is None:
            problems.append(f"{path} does not exist")
        elif disk.used_share > limit:
            problems.append(f"{path} (on {disk.mount}) is {disk.used_share:.1%} used, {gib(disk.available)} free")
        else:
            seen.append(f"{path} {disk.used_share:.1%}")
    assert not problems, (
        f"host {host.settings.label}: {'; '.join(problems)}; expected every backup location at most {pct(limit)} "
        f"used (thresholds.system.disk)" + (f" (fine: {', '.join(seen)})" if seen else "")
    )


@pytest.mark.check("GL-SYS-004", severity="warning")
def test_load_per_core_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """The 5-minute load average per core is at most thresholds.system.load_per_core."""
    load, limit = host.load(), golive_config.thresholds.system.load_per_core
    per_core = load.load5 / load.cores
    assert per_core <= limit, (
        f"host {host.settings.label}: load {load.load1:.2f} / {load.load5:.2f} / {load.load15:.2f} on {load.cores} "
        f"cores is {per_core:.2f} per core (5 min); expected at most {limit} (thresholds.system.load_per_core)"
    )


@pytest.mark.check("GL-SYS-005", severity="warning")
def test_cpu_busy_share_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """CPU busy share over a short sample is at most thresholds.system.cpu."""
    system = golive_config.thresholds.system
    busy = host.cpu_busy(system.cpu_sample)
    assert busy <= system.cpu, (
        f"host {host.settings.label}: CPU {busy:.1%} busy over {system.cpu_sample:g} s; expected at most "
        f"{pct(system.cpu)} (thresholds.system.cpu)"
    )


@pytest.mark.check("GL-SYS-006", severity="warning")
def test_swap_use_is_within_threshold(host: HostProbe, golive_config: Settings) -> None:
    """Swap in use is at most thresholds.system.swap (no swap configured counts as none used)."""
    mem, limit = host.memory(), golive_config.thresholds.system.swap
    assert mem.swap_used_share <= limit, (
        f"host {host.settings.label}: {mem.swap_used_share:.1%} of swap in use "
        f"({gib(mem.swap_total - mem.swap_free)} of {gib(mem.swap_total)}); expected at most {pct(limit)} "
        f"(thresholds.system.swap)"
    )


@pytest.mark.check("GL-SYS-007", severity="blocker")
def test_clock_is_synchronised(host: HostProbe) -> None:
    """The clock is synchronised by the host's time-sync service."""
    sync = host.time_sync()
    if sync is None:
        pytest.skip(
            f"host {host.settings.label} runs no time-sync service golive knows (systemd-timesyncd via "
            "timedatectl, chrony, ntpd): the clock was not judged"
        )
    assert sync.synchronised, f"host {host.settings.label}: {sync.service} reports the clock not synchronised: " + (
        sync.detail.replace("\n", "; ")
    )


@pytest.mark.check("GL-SYS-008", severity="blocker")
def test_open_files_limit_meets_minimum(
    service_process: Process, host_settings: HostSettings, rest_port: int, golive_config: Settings
) -> None:
    """The Qdrant process may open at least thresholds.system.min_open_files files."""
    wanted = golive_config.thresholds.system.min_open_files
    soft = service_process.open_files_soft
    assert soft is None or soft >= wanted, (
        f"host {host_settings.label}: the process on port {rest_port} ({service_process.name}, pid "
        f"{service_process.pid}) may open {soft} files (hard limit {service_process.open_files_hard}); expected at "
        f"least {wanted} (thresholds.system.min_open_files)"
    )


@pytest.mark.check("GL-SYS-009", severity="blocker")
def test_max_map_count_meets_minimum(host: HostProbe, golive_config: Settings) -> None:
    """vm.max_map_count is at least thresholds.system.min_max_map_count (Qdrant memory-maps its segments)."""
    seen, wanted = host.sysctl("vm.max_map_count"), golive_config.thresholds.system.min_max_map_count
    assert seen >= wanted, (
        f"host {host.settings.label}: vm.max_map_count is {seen}; expected at least {wanted} "
        f"(thresholds.system.min_max_map_count)"
    )
