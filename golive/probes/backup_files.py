"""Snapshot files in the backup locations, read on the host through testinfra (read-only).

``files = snapshot_files(host, Path("/opt/qdrant/snapshots"), "documents")`` -> ``[SnapshotFile, ...]`` newest
last, where ``host`` is ``testinfra.get_host("ssh://qdrant@db1")``; ``file_sha256(host, files[-1].path)``.
A location holds ``<collection>/<name>.snapshot`` as Qdrant's snapshots path does. Free space at each location
is the host items' concern (disk usage at the storage and snapshot paths), not these probes'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.probes.host import HostSettings


@dataclass(frozen=True)
class SnapshotFile:
    path: Path
    modified: dt.datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    def age_s(self, now: dt.datetime) -> float:
        return (now - self.modified).total_seconds()


def backup_host(hosts: list[HostSettings]) -> Any:
    """The testinfra host the backup locations are read on: the first of ``hosts:``; None when none is set."""
    if not hosts:
        return None
    import testinfra

    return testinfra.get_host(hosts[0].spec)


def snapshot_files(host: Any, location: Path, collection: str) -> list[SnapshotFile]:
    """The ``*.snapshot`` files of ``collection`` at ``location``, oldest first ([] when there is none)."""
    directory = host.file(str(location / collection))
    if not directory.is_directory:
        return []
    files = []
    for name in directory.listdir():
        if not name.endswith(".snapshot"):
            continue
        f = host.file(str(location / collection / name))
        modified = f.mtime.astimezone(dt.UTC)  # testinfra: a naive local time from the epoch seconds
        files.append(SnapshotFile(location / collection / name, modified, int(f.size)))
    return sorted(files, key=lambda f: f.modified)


def file_sha256(host: Any, path: Path) -> str:
    return str(host.file(str(path)).sha256sum)


def recorded_sha256(host: Any, path: Path) -> str:
    """The sha256 Qdrant recorded beside a snapshot (``<name>.checksum``), else computed from the file: the
    first location's side of a copy comparison costs a file read, not a hash of a snapshot of hundreds of MB."""
    checksum = host.file(f"{path}.checksum")
    if checksum.exists:
        text = str(checksum.content_string).strip().split()
        if text and len(text[0]) == 64:
            return text[0].lower()
    return file_sha256(host, path)


def describe_age(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
