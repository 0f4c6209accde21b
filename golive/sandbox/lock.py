"""One sandbox per data dir: ``<data dir>/.sandbox.lock`` is held (flock) by the serving process, with its pid
and URL inside, so a leftover sandbox of this data dir is recognised and two never serve one data dir.

    lock = hold_data_dir(data_dir)          # in the sandbox process; None if another sandbox holds it
    holder = lock_holder(data_dir)          # elsewhere: (pid, url) of the live holder, or None
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time
from pathlib import Path
from typing import IO, NamedTuple

LOCK_NAME = ".sandbox.lock"


class Holder(NamedTuple):
    pid: int
    url: str


def hold_data_dir(data_dir: Path) -> IO[str] | None:
    """Take the data dir's lock for this process's lifetime (the kernel drops it when the process dies)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = (data_dir / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    announce(fh, "")
    return fh


def announce(fh: IO[str], url: str) -> None:
    """Write ``<pid> <url>`` into the held lock file."""
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()} {url}\n")
    fh.flush()


def lock_holder(data_dir: Path) -> Holder | None:
    """The live sandbox holding ``data_dir``'s lock, or None (no lock file, or nobody holds it)."""
    path = data_dir / LOCK_NAME
    if not path.is_file():
        return None
    with path.open("r", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            pid, _, url = fh.read().strip().partition(" ")
            return Holder(int(pid) if pid.isdigit() else 0, url or "(URL not yet known)")
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def stop_holder(data_dir: Path, timeout: float = 15.0) -> Holder | None:
    """Stop the sandbox holding ``data_dir`` (SIGTERM, then SIGKILL after ``timeout``); returns who it was."""
    holder = lock_holder(data_dir)
    if holder is None or holder.pid <= 0:
        return holder
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(holder.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if lock_holder(data_dir) is None:
                return holder
            time.sleep(0.05)
    return holder
