"""The ``pytest_golive_*`` hooks: where report writers, the release gate and a team's own conftest plug in.

The plugin adds these specs with ``pluginmanager.add_hookspecs``; implement them in any pytest plugin or in a
``conftest.py`` (the top-level one is the documented place), by name, without editing the plugin::

    def pytest_golive_run_finished(record, run_dir):
        (run_dir / "verdict.txt").write_text(str(record.verdict))

Order at the end of a golive run (``pytest_sessionfinish``): the session decides the verdict and builds the
``golive.report.record.RunRecord``; ``pytest_golive_write_report`` lets each writer write its files into the
run folder; summary.json is written with every evidence path; then ``pytest_golive_run_finished`` is called.
Writers only read the record. Exceptions raised by an implementation are not swallowed: they fail the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from golive.report.record import RunRecord

hookspec = pytest.hookspec


@hookspec
def pytest_golive_generate_tests(metafunc: pytest.Metafunc, settings: Any) -> None:
    """Parametrize a checklist item from the run's settings (``golive.config.Settings``).

    Called from ``pytest_generate_tests`` for every test function marked ``golive``, once the settings are
    loaded; an area parametrizes its items per configured thing (a collection, a gate, a host, a dependency)::

        def pytest_golive_generate_tests(metafunc, settings):
            if "dependency" in metafunc.fixturenames:
                metafunc.parametrize("dependency", settings.dependencies, ids=[d.name for d in settings.dependencies])
    """


@hookspec
def pytest_golive_write_report(record: RunRecord, run_dir: Path) -> list[Path] | None:
    """Write one output of the finished run into ``run_dir`` (``reports/<env>/<run-id>/``).

    Return the paths written (or ``None``); they are listed under ``evidence`` in summary.json. Called once per
    golive run, after the verdict is decided and before summary.json is written. For report writers: HTML,
    allure extras, JUnit, Prometheus text.
    """


@hookspec
def pytest_golive_run_finished(record: RunRecord, run_dir: Path) -> None:
    """The run is over: verdict decided, summary.json and every writer's files are in ``run_dir``.

    ``record.summary()`` is what summary.json holds; ``record.evidence`` lists the run folder's files. For what
    acts on a finished run: the release gate, history, a Prometheus push, a notification.
    """
