"""Snapshot files in the backup locations, read on a host through the host facade (read-only commands).

``files = snapshot_files(host, "/opt/qdrant/snapshots", "documents")`` -> ``[SnapshotFile, ...]`` oldest first,
where ``host`` is a ``golive.probes.host.facade.HostProbe``; ``file_sha256(host, files[-1].path)``. A location
holds ``<collection>/<name>.snapshot`` as Qdrant's snapshots path does. Free space at each location is the
host items' concern (GL-SYS-003), not these probes'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from golive.probes.host.connect import HostError


@dataclass(frozen=True)
class SnapshotFile:
    path: str
    modified: dt.datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def age_s(self, now: dt.datetime) -> float:
        return (now - self.modified).total_seconds()


def snapshot_files(host: Any, location: str, collection: str) -> list[SnapshotFile]:
    """The ``*.snapshot`` files of ``collection`` at ``location`` (a path as the host sees it), oldest first."""
    directory = f"{location.rstrip('/')}/{collection}"
    result = host.conn.run("find %s -maxdepth 1 -type f -name '*.snapshot' -printf '%%T@|%%s|%%f\\n'", directory)
    if result.rc != 0:
        if "No such file" in result.stderr:
            return []
        raise HostError(f"{host.conn.where}: cannot list {directory}: {result.stderr.strip()[:200]}")
    files = []
    for line in result.stdout.splitlines():
        stamp, size, name = line.split("|", 2)
        modified = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
        files.append(SnapshotFile(f"{directory}/{name}", modified, int(size)))
    return sorted(files, key=lambda f: f.modified)


def file_sha256(host: Any, path: str) -> str:
    return str(host.read("sha256sum -- %s", path).split()[0])


def recorded_sha256(host: Any, path: str) -> str:
    """The sha256 Qdrant recorded beside a snapshot (``<name>.checksum``), else computed from the file: the
    first location's side of a copy comparison costs a file read, not a hash of a snapshot of hundreds of MB."""
    result = host.conn.run("cat -- %s", f"{path}.checksum")
    words = result.stdout.split() if result.rc == 0 else []
    if words and len(words[0]) == 64:
        return str(words[0]).lower()
    return file_sha256(host, path)


def exists(host: Any, path: str) -> bool:
    return bool(host.conn.run("test -f %s", path).rc == 0)


def describe_age(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
