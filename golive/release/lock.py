"""One release at a time per environment: ``reports/<env>/release.lock`` holds the holder as JSON.

    lock = ReleaseLock(reports / "prod" / "release.lock")
    note = lock.acquire(release_id)   # LockHeld names the holder; a dead holder's lock is taken over (note)
    ...
    lock.release()

The file is created with O_EXCL, so two releases starting together cannot both win. A lock whose process is
gone (same host, pid no longer alive) is stale: it is taken over and ``acquire`` returns the old holder so
the caller can record the interrupted release. A lock held from another host is never taken over.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from pathlib import Path
from typing import Any

from golive.errors import GoliveError


class LockHeld(GoliveError):
    """Another release holds the environment's lock; the message names it."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        super().__init__(
            f"release {holder.get('release_id')} holds the lock since {holder.get('started')} "
            f"(pid {holder.get('pid')} on {holder.get('host')}, user {holder.get('user')})"
        )


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def whoami() -> dict[str, Any]:
    """Who, where and which process: the holder fields and the audit's ``who``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {"user": user, "host": socket.gethostname(), "pid": os.getpid()}


class ReleaseLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.held = False

    def holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"release_id": "unknown (unreadable lock file)", "pid": None, "host": None}
        return data if isinstance(data, dict) else {"release_id": "unknown", "pid": None, "host": None}

    def _stale(self, holder: dict[str, Any]) -> bool:
        pid = holder.get("pid")
        return holder.get("host") == socket.gethostname() and isinstance(pid, int) and not pid_alive(pid)

    def acquire(self, release_id: str) -> dict[str, Any] | None:
        """Take the lock; return the stale holder taken over (None if the lock was free); raise ``LockHeld``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {**whoami(), "release_id": release_id, "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        taken_over: dict[str, Any] | None = None
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.holder()
                if holder is None:
                    continue  # released between our open and our read
                if not self._stale(holder):
                    raise LockHeld(holder) from None
                taken_over = holder
                # rename first: of two releases taking the same stale lock over, only one unlinks it
                stale = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}")
                try:
                    os.rename(self.path, stale)
                    stale.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(me, fh)
            self.held = True
            return taken_over
        holder = self.holder() or {"release_id": "unknown"}
        raise LockHeld(holder)

    def release(self) -> None:
        if self.held:
            holder = self.holder()
            if holder is not None and holder.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False
