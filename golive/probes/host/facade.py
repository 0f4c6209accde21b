"""What a host shows about itself and its Qdrant process: values only, never a judgement.

    probe = HostProbe(settings)
    probe.memory()                       # Memory(total=..., available=..., swap_total=..., swap_free=...)
    probe.listener(6333)                 # Listener(address='127.0.0.1', port=6333, pid=9605, process='python')
    probe.process(9605).open_files_soft  # 20000

Every method reads (``cat``, ``stat``, ``df``, ``ss``) and caches per probe; ``HostError`` when the host or a
command cannot be observed at all. The checks in ``checks/test_system.py`` and ``test_service.py`` judge.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from golive.probes.host.connect import Connection, HostError
from golive.probes.host.settings import HostSettings


@dataclass(frozen=True)
class Facts:
    hostname: str
    os: str
    kernel: str
    arch: str
    cores: int
    memory_total: int
    connected_as: str
    backend: str


@dataclass(frozen=True)
class Memory:
    total: int
    available: int
    swap_total: int
    swap_free: int

    @property
    def used_share(self) -> float:
        return 1 - self.available / self.total if self.total else 0.0

    @property
    def swap_used_share(self) -> float:
        return (self.swap_total - self.swap_free) / self.swap_total if self.swap_total else 0.0


@dataclass(frozen=True)
class Disk:
    path: str
    mount: str
    total: int
    used: int
    available: int

    @property
    def used_share(self) -> float:
        """Like df's Use%: used / (used + available to unprivileged users)."""
        denominator = self.used + self.available
        return self.used / denominator if denominator else 0.0


@dataclass(frozen=True)
class Load:
    load1: float
    load5: float
    load15: float
    cores: int


@dataclass(frozen=True)
class TimeSync:
    service: str
    synchronised: bool
    detail: str


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    pid: int | None
    process: str | None


@dataclass(frozen=True)
class Process:
    pid: int
    name: str
    user: str
    uid: int
    open_files_soft: int | None  # None: unlimited
    open_files_hard: int | None


@dataclass(frozen=True)
class FileInfo:
    path: str
    exists: bool
    kind: str = ""
    owner: str = ""
    group: str = ""
    mode: int = 0

    @property
    def others_can_write(self) -> bool:
        return bool(self.mode & 0o002)

    @property
    def others_can_read(self) -> bool:
        return bool(self.mode & 0o004)


@dataclass(frozen=True)
class Unit:
    name: str
    active: str
    enabled: str
    restart: str


def gib(value: float) -> str:
    return f"{value / 1024**3:.1f} GiB"


def pct(fraction: float) -> str:
    """A configured share as written: ``pct(0.85) == "85%"``, ``pct(0.0001) == "0.01%"``."""
    return f"{fraction * 100:.4g}%"


class HostProbe:
    """The facade over one testinfra host (see the module docstring)."""

    def __init__(self, settings: HostSettings, connection: Connection | None = None) -> None:
        self.settings = settings
        self.conn = connection or Connection(settings)
        self.read = cache(self._read)
        self.facts = cache(self._facts)

    def _read(self, command: str, *args: str) -> str:
        result = self.conn.run(command, *args)
        if result.rc != 0:
            shown = command.replace("%s", "{}").format(*args)
            raise HostError(f"{self.conn.where}: `{shown}` exited {result.rc}: {result.stderr.strip()[:200]}")
        return str(result.stdout)

    def close(self) -> None:
        self.conn.close()

    def path(self, path: PurePath) -> str:
        """A configured path as the host sees it: relative paths of ``local://`` are from the working directory."""
        return str(Path(path).resolve()) if self.settings.scheme == "local" else str(path)

    # ------------------------------------------------------------------ the machine
    def _facts(self) -> Facts:
        """Name, OS, kernel, architecture, cores, memory and the probing user: one round trip."""
        out = self.read("uname -n; uname -r; uname -m; nproc; id -un; cat /etc/os-release 2>/dev/null || true")
        hostname, kernel, arch, cores, user, *os_release = out.splitlines()
        pretty = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', "\n".join(os_release), re.M)
        return Facts(
            hostname=hostname.strip(),
            os=pretty[1] if pretty else "unknown (no /etc/os-release)",
            kernel=kernel.strip(),
            arch=arch.strip(),
            cores=int(cores),
            memory_total=self.memory().total,
            connected_as=user.strip(),
            backend=self.settings.scheme,
        )

    def cores(self) -> int:
        return self.facts().cores

    def memory(self) -> Memory:
        info = {k: int(v.split()[0]) * 1024 for k, v in _pairs(self.read("cat /proc/meminfo"), ":").items()}
        return Memory(info["MemTotal"], info["MemAvailable"], info.get("SwapTotal", 0), info.get("SwapFree", 0))

    def disk(self, path: str) -> Disk | None:
        """Space of the filesystem holding ``path``; None when the path does not exist."""
        result = self.conn.run("df -P -k -- %s", path)
        if result.rc != 0:
            if "No such file" in result.stderr:
                return None
            raise HostError(f"{self.conn.where}: df {path} exited {result.rc}: {result.stderr.strip()[:200]}")
        fields = result.stdout.strip().splitlines()[-1].split()
        total, used, available = (int(x) * 1024 for x in fields[1:4])
        return Disk(path, fields[5], total, used, available)

    def load(self) -> Load:
        one, five, fifteen = (float(x) for x in self.read("cat /proc/loadavg").split()[:3])
        return Load(one, five, fifteen, self.cores())

    def cpu_busy(self, seconds: float) -> float:
        """Share of CPU time not idle (nor waiting for I/O) over ``seconds``, all cores together."""
        out = self.conn.run("head -n1 /proc/stat; sleep %s; head -n1 /proc/stat", f"{seconds:.2f}").stdout
        before, after = ([int(x) for x in line.split()[1:]] for line in out.strip().splitlines()[:2])
        delta = [b - a for a, b in zip(before, after, strict=False)]
        total = sum(delta[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
        idle = delta[3] + delta[4]
        return (total - idle) / total if total else 0.0

    def time_sync(self) -> TimeSync | None:
        """The time-sync service's view, or None when the host runs none that golive knows."""
        if self.conn.run("test -d /run/systemd/system").rc == 0:
            out = self.conn.run("timedatectl show -p NTPSynchronized -p NTP")
            if out.rc == 0:
                seen = _pairs(out.stdout, "=")
                if seen.get("NTP") == "yes" or seen.get("NTPSynchronized") == "yes":
                    return TimeSync("systemd (timedatectl)", seen.get("NTPSynchronized") == "yes", out.stdout.strip())
        out = self.conn.run("chronyc -n tracking")
        if out.rc == 0 or "506" in out.stdout + out.stderr:  # 506: chronyd installed but not answering
            leap = _pairs(out.stdout, ":").get("Leap status", "chronyd not answering")
            return TimeSync("chrony", leap == "Normal", f"Leap status: {leap}")
        out = self.conn.run("ntpstat")
        if out.rc in (0, 1, 2) and "command not found" not in out.stderr and "not found" not in out.stderr:
            return TimeSync("ntpd (ntpstat)", out.rc == 0, (out.stdout or out.stderr).strip().splitlines()[0])
        return None

    def sysctl(self, name: str) -> int:
        return int(self.read("cat %s", "/proc/sys/" + name.replace(".", "/")).strip())

    # ------------------------------------------------------------------ the service
    def listeners(self) -> list[Listener]:
        """Every listening TCP socket; pid and process only where the probing user may see them."""
        found = []
        for line in self.read("ss -H -ltnp").splitlines():
            cols = line.split()
            if len(cols) < 4:
                continue
            address, _, port = cols[3].rpartition(":")
            address = address.strip("[]").split("%", 1)[0]
            owner = re.search(r'users:\(\("([^"]*)",pid=(\d+)', line)
            pid, name = (int(owner[2]), owner[1]) if owner else (None, None)
            found.append(Listener("*" if address in ("*", "") else address, int(port), pid, name))
        return found

    def listener(self, port: int) -> Listener | None:
        matches = [item for item in self.listeners() if item.port == port]
        with_pid = [item for item in matches if item.pid is not None]
        found = with_pid or matches
        return found[0] if found else None

    def process(self, pid: int) -> Process:
        owner, uid = self.read("stat -c %s %s", "%U %u", f"/proc/{pid}").split()
        limits = self.read("cat %s", f"/proc/{pid}/limits")
        row = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        soft, hard = row.split()[3:5]
        return Process(
            pid=pid,
            name=self.read("cat %s", f"/proc/{pid}/comm").strip(),
            user=owner,
            uid=int(uid),
            open_files_soft=None if soft == "unlimited" else int(soft),
            open_files_hard=None if hard == "unlimited" else int(hard),
        )

    def file(self, path: str) -> FileInfo:
        result = self.conn.run("stat -L -c %s -- %s", "%F|%U|%G|%a", path)
        if result.rc != 0:
            if "No such file" in result.stderr:
                return FileInfo(path, exists=False)
            raise HostError(f"{self.conn.where}: cannot stat {path}: {result.stderr.strip()[:200]}")
        kind, owner, group, mode = result.stdout.strip().split("|")
        return FileInfo(path, True, kind, owner, group, int(mode, 8))

    def unit(self, name: str) -> Unit | None:
        """The systemd unit's state; None when the host does not run systemd."""
        if self.conn.run("test -d /run/systemd/system").rc != 0:
            return None
        seen = _pairs(self.read("systemctl show %s -p ActiveState -p UnitFileState -p Restart", name), "=")
        return Unit(name, seen.get("ActiveState", "?"), seen.get("UnitFileState", "?"), seen.get("Restart", "?"))

    def evidence(self) -> dict[str, Any]:
        """What the host says about itself, for the run record."""
        facts = asdict(self.facts())
        facts["memory_total"] = gib(facts["memory_total"])
        return facts


def _pairs(text: str, sep: str) -> dict[str, str]:
    pairs = (line.split(sep, 1) for line in text.splitlines() if sep in line)
    return {key.strip(): value.strip() for key, value in pairs}
