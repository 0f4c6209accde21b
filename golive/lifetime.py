"""Child processes that die with their parent, even when the parent is killed with SIGKILL (a leaf module).

    subprocess.Popen(args, start_new_session=True, preexec_fn=die_with_parent(signal.SIGINT))

Children run in their own session (so a terminal's Ctrl-C reaches them only through the parent); without a
parent-death signal a ``kill -9`` of ``golive run`` would orphan the sandbox (holding its port) and the pytest
child (writing a verdict nobody asked for).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel send ``sig`` to the child when this process dies (Linux; else None).

    The signal fires when the *thread* that started the child ends: start children from the main thread."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:  # one prctl call, getppid, kill: safe between fork and exec
        prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec
