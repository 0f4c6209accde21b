"""The host items judge what the facade observed: canned command output for states this machine cannot be put
in (swap in use, a clock out of sync, a systemd unit), run through the real probe parsing and check code."""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from golive.config import Settings
from golive.probes.host.facade import HostProbe
from golive.probes.host.settings import HostSettings

REPO = Path(__file__).resolve().parents[2]


def checks(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"golive_checks_{name}", REPO / "checks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Result:
    rc: int
    stdout: str = ""
    stderr: str = ""


class FakeConnection:
    """Answers commands by their start; anything unknown is 'command not found' (rc 127)."""

    where = "host fake (ssh://fake)"

    def __init__(self, answers: dict[str, Result]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def run(self, command: str, *args: str) -> Result:
        self.commands.append(command)
        for start, result in self.answers.items():
            if command.startswith(start):
                return result
        return Result(127, "", f"sh: {command.split()[0]}: not found")

    def check(self) -> None:
        return None

    def close(self) -> None:
        return None


def probe(answers: dict[str, Result]) -> HostProbe:
    settings = HostSettings(spec="ssh://fake", name="fake", service="qdrant")
    return HostProbe(settings, connection=FakeConnection(answers))  # type: ignore[arg-type]


MEMINFO = "MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\nSwapTotal: 4000000 kB\nSwapFree: 1000000 kB\n"
SETTINGS = Settings(env="unit")


def test_swap_in_use_fails_with_the_figures() -> None:
    host = probe({"cat /proc/meminfo": Result(0, MEMINFO)})
    with pytest.raises(AssertionError) as info:
        checks("test_system").test_swap_use_is_within_threshold(host, SETTINGS)
    assert str(info.value).startswith(
        "host fake: 75.0% of swap in use (2.9 GiB of 3.8 GiB); expected at most 10% (thresholds.system.swap)"
    )


def test_memory_figures_come_from_meminfo() -> None:
    host = probe({"cat /proc/meminfo": Result(0, MEMINFO)})
    assert host.memory().used_share == pytest.approx(0.5)
    checks("test_system").test_memory_in_use_is_within_threshold(host, SETTINGS)  # 50% < 90%: passes


def test_clock_not_synchronised_by_chrony_fails() -> None:
    tracking = "Reference ID    : 00000000 ()\nLeap status     : Not synchronised\n"
    host = probe({"test -d /run/systemd/system": Result(1), "chronyc -n tracking": Result(0, tracking)})
    with pytest.raises(AssertionError) as info:
        checks("test_system").test_clock_is_synchronised(host)
    assert str(info.value).startswith(
        "host fake: chrony reports the clock not synchronised: Leap status: Not synchronised"
    )


def test_clock_synchronised_by_timedatectl_passes() -> None:
    answers = {
        "test -d /run/systemd/system": Result(0),
        "timedatectl show": Result(0, "NTP=yes\nNTPSynchronized=yes\n"),
    }
    checks("test_system").test_clock_is_synchronised(probe(answers))


def test_no_time_sync_service_skips_with_the_reason() -> None:
    host = probe({"test -d /run/systemd/system": Result(1)})
    with pytest.raises(pytest.skip.Exception, match="runs no time-sync service golive knows"):
        checks("test_system").test_clock_is_synchronised(host)


def unit_answers(active: str, enabled: str, restart: str) -> dict[str, Result]:
    show = f"ActiveState={active}\nUnitFileState={enabled}\nRestart={restart}\n"
    return {"test -d /run/systemd/system": Result(0), "systemctl show": Result(0, show)}


def test_unit_without_restart_policy_fails() -> None:
    host = probe(unit_answers("active", "enabled", "no"))
    with pytest.raises(AssertionError) as info:
        checks("test_service").test_unit_is_active_enabled_and_restarts(host, host.settings)
    assert str(info.value).startswith("host fake: unit qdrant is active, enabled, Restart=no; expected active")


def test_inactive_disabled_unit_fails() -> None:
    host = probe(unit_answers("inactive", "disabled", "on-failure"))
    with pytest.raises(AssertionError, match="unit qdrant is inactive, disabled, Restart=on-failure"):
        checks("test_service").test_unit_is_active_enabled_and_restarts(host, host.settings)


def test_healthy_unit_passes_and_no_systemd_skips() -> None:
    host = probe(unit_answers("active", "enabled", "on-failure"))
    checks("test_service").test_unit_is_active_enabled_and_restarts(host, host.settings)
    without = probe({"test -d /run/systemd/system": Result(1)})
    with pytest.raises(pytest.skip.Exception, match=r"does not run systemd: GL-SVC-001\.\.004 judged the process"):
        checks("test_service").test_unit_is_active_enabled_and_restarts(without, without.settings)


def test_listener_parsing_of_ss_output() -> None:
    ss = (
        'LISTEN 0 4096 0.0.0.0:6333 0.0.0.0:* users:(("qdrant",pid=812,fd=31))\n'
        'LISTEN 0 4096 [::]:6334 [::]:* users:(("qdrant",pid=812,fd=40))\n'
        "LISTEN 0 128 127.0.0.53%lo:53 0.0.0.0:*\n"
    )
    host = probe({"ss -H -ltnp": Result(0, ss)})
    seen: list[Any] = [(x.address, x.port, x.pid, x.process) for x in host.listeners()]
    assert seen == [("0.0.0.0", 6333, 812, "qdrant"), ("::", 6334, 812, "qdrant"), ("127.0.0.53", 53, None, None)]


def test_probe_commands_only_read() -> None:
    """Every command the facade sends starts with a reading tool (no sudo unless configured)."""
    conn = FakeConnection({})
    host = HostProbe(HostSettings(spec="ssh://fake", service="qdrant"), connection=conn)  # type: ignore[arg-type]
    for call in (host.facts, host.memory, host.load, host.time_sync, host.listeners, lambda: host.unit("q")):
        with contextlib.suppress(Exception):
            call()
    readers = ("cat ", "uname ", "nproc", "id -un", "test -d ", "timedatectl show", "chronyc -n tracking",
               "ntpstat", "ss -H -ltnp")  # fmt: skip
    assert conn.commands
    assert all(c.startswith(readers) for c in conn.commands), conn.commands
