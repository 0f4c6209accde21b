"""The locust event listeners of a golive run, registered once per process by :func:`register`.

:mod:`golive.load.generator.user` calls it when imported, so a locustfile that imports ``QdrantUser`` (run by
``locust -f`` or by the engine) gets the ``--golive-*`` options, the per-process coordinator built in
``test_start``, the master's ``golive_delta`` message handler, and the result written at ``test_stop`` /
``quitting``. A setup that fails (target unreachable, collection missing, ...) ends the run with one clear
line on stderr (and in the result file), not a traceback per user.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.runners import MasterRunner, WorkerRunner

from golive.load.generator import coordinator
from golive.load.generator.options import add_arguments


def _on_init(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message("golive_delta", lambda msg, **kw: coordinator.current_run().on_delta(msg))


def _on_test_start(environment: Any, **_kw: Any) -> None:
    try:
        coordinator.begin(environment)
    except Exception as exc:  # target unreachable, collection missing, ...: end the run with one clear line
        message = f"load setup against {environment.host} failed: {type(exc).__name__}: {exc}"
        sys.stderr.write(f"golive: {message}\n")
        path = str(getattr(environment.parsed_options, "golive_result", "") or "")
        if path and not isinstance(environment.runner, WorkerRunner):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps({"error": message}))
        gevent.spawn(environment.runner.quit)
        return
    gc.collect()
    gc.freeze()  # setup garbage stays out of the collector's way: fewer pauses while pacing


def _on_test_stop(environment: Any, **_kw: Any) -> None:
    run = coordinator.active()
    if run is None:
        return
    run.stopped_at = run.stopped_at or time.time()
    if run.role != "master":
        run.finish_schedule()
        run.send_delta(final=True)
    if run.role == "local" or (run.role == "master" and run.finals >= set(run.aggregate.cpu if run.aggregate else ())):
        run.write_result()
    if run.role != "master":
        for g in run.greenlets:
            if g is not gevent.getcurrent():
                g.kill(block=False)


def _on_quitting(environment: Any, **_kw: Any) -> None:
    run = coordinator.active()
    if run is None:
        return
    run.stopped_at = run.stopped_at or time.time()
    run.write_result()
    run.teardown()


_registered = False


def register() -> None:
    """Add the options and listeners to locust's events, once per process (later calls do nothing)."""
    global _registered
    if _registered:
        return
    _registered = True
    hooks: Any = events
    hooks.init_command_line_parser.add_listener(add_arguments)
    hooks.init.add_listener(_on_init)
    hooks.test_start.add_listener(_on_test_start)
    hooks.test_stop.add_listener(_on_test_stop)
    hooks.quitting.add_listener(_on_quitting)
