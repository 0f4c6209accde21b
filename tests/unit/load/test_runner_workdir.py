"""The runner's work dirs: a killed driver's leftovers are swept at the next run's start once a day old."""

from __future__ import annotations

import os
import time

from golive.load.runner import STALE_WORKDIR_AGE, remove_stale_workdirs


def test_only_our_golive_load_dirs_older_than_a_day_are_removed(tmp_path):
    old = tmp_path / "golive-load-old"
    fresh = tmp_path / "golive-load-fresh"
    other = tmp_path / "something-else-old"
    for d in (old, fresh, other):
        d.mkdir()
        (d / "locust.log").write_text("x")
    running = tmp_path / "golive-load-running"  # an old dir whose run still appends to its log
    running.mkdir()
    (running / "locust.log").write_text("x")
    long_ago = time.time() - STALE_WORKDIR_AGE - 60
    for d in (old, other):
        os.utime(d / "locust.log", (long_ago, long_ago))
        os.utime(d, (long_ago, long_ago))
    os.utime(running, (long_ago, long_ago))
    assert remove_stale_workdirs(tmp_path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "golive-load-fresh",
        "golive-load-running",
        "something-else-old",
    ]
