"""Children die with their parent (issue 9.3): the parent-death signal and the sandbox's data-dir lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from golive.sandbox.lock import hold_data_dir, lock_holder, stop_holder
from golive.waiting import wait_until

PARENT = """
import signal, subprocess, sys, time
from golive.lifetime import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True,
                         preexec_fn=die_with_parent(signal.SIGTERM))
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, only not yet reaped


def test_a_child_dies_when_its_parent_is_killed_with_sigkill() -> None:
    with subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
        parent.wait()
        wait_until(lambda: not _alive(child), timeout=10, describe=f"child {child} to die with its parent")


def test_one_holder_per_data_dir_and_the_holder_is_named(tmp_path: Path) -> None:
    first = hold_data_dir(tmp_path / "data")
    assert first is not None
    try:
        assert hold_data_dir(tmp_path / "data") is None  # a second sandbox on the same data dir is refused
        holder = lock_holder(tmp_path / "data")
        assert holder is not None
        assert holder.pid == os.getpid()
    finally:
        first.close()
    assert lock_holder(tmp_path / "data") is None  # released with its holder; the stale file names nobody


def test_a_leftover_holder_is_stopped(tmp_path: Path) -> None:
    code = "import sys, time; from golive.sandbox.lock import hold_data_dir, announce\n"
    code += f"fh = hold_data_dir(__import__('pathlib').Path({str(tmp_path)!r})); announce(fh, 'http://x:1')\n"
    code += "print('held', flush=True); time.sleep(60)"
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "held"
            holder = stop_holder(tmp_path, timeout=10)
            assert holder is not None
            assert (holder.pid, holder.url) == (proc.pid, "http://x:1")
            assert proc.wait(10) == -signal.SIGTERM
            assert lock_holder(tmp_path) is None
        finally:
            proc.kill()
