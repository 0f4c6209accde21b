"""The report writers as one pytest plugin object, registered by ``golive.plugin``: they implement the
``pytest_golive_*`` hooks (``golive.hookspec``) and read only the run record.

- ``pytest_golive_write_report``: ``junit.xml``, ``metrics.prom``, the allure extras, ``report.html``;
- ``pytest_golive_run_finished``: the environment's ``history.jsonl`` line and the optional Pushgateway push;
- during the run, allure-pytest's results under the run folder with golive's labels and evidence.

A writer that fails is reported in the terminal, never allowed to change the verdict or lose the summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from golive.report import allure_results, history, html, junit, prometheus
from golive.report.evidence import area_of
from golive.report.record import RunRecord, redact
from golive.verdict import check_marker_args


def summary_of(record: RunRecord) -> dict[str, Any]:
    """What summary.json will hold: the record's summary, plain JSON values, the secrets redacted."""
    plain = json.loads(json.dumps(record.summary(), default=str))
    return dict(redact(plain, record.secrets))


class ReportWriters:
    """``settings()`` gives the run's settings once loaded (or None), ``run_dir()`` the run folder."""

    def __init__(self, settings: Callable[[], Any], run_dir: Callable[[], Path]) -> None:
        self.settings = settings
        self.run_dir = run_dir
        self.problems: list[str] = []
        self.pushed: str | None = None

    def _try(self, name: str, step: Callable[[], Path | None]) -> Path | None:
        try:
            return step()
        except Exception as err:  # one broken writer must not cost the others or the verdict
            self.problems.append(f"{name} not written: {type(err).__name__}: {err}")
            return None

    # ------------------------------------------------------------------ the finished run
    @pytest.hookimpl
    def pytest_golive_write_report(self, record: RunRecord, run_dir: Path) -> list[Path]:
        summary = summary_of(record)
        steps: tuple[tuple[str, Callable[[], Path | None]], ...] = (
            ("junit.xml", lambda: junit.write(run_dir, summary)),
            ("metrics.prom", lambda: prometheus.write(run_dir, summary)),
            ("allure extras", lambda: allure_results.finish(run_dir, summary)),
            ("report.html", lambda: html.write(run_dir, record.secrets, summary=summary)),
        )
        written = [self._try(name, step) for name, step in steps]
        return [p for p in written if p is not None]

    @pytest.hookimpl
    def pytest_golive_run_finished(self, record: RunRecord, run_dir: Path) -> None:
        summary = summary_of(record)
        self._try("history", lambda: history.append(run_dir, summary))
        settings = self.settings()
        url = settings.report.pushgateway_url if settings is not None else None
        if url:
            try:
                prometheus.push(url, summary, run_dir, timeout=settings.report.push_timeout)
                self.pushed = url
            except prometheus.PushError as err:
                self.problems.append(str(err))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Before the verdict block (which is last): the push and any writer that failed."""
        if self.pushed:
            terminalreporter.write_line(f"golive: metrics pushed to {self.pushed}")
        for problem in self.problems:
            terminalreporter.write_line(f"golive: {problem}", yellow=True)

    # ------------------------------------------------------------------ allure, during the run
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
        """allure results under the run folder, each checklist item labelled with its id, severity and area."""
        checks = [item for item in items if item.get_closest_marker("golive") and item.get_closest_marker("check")]
        if not checks or config.option.collectonly or self.settings() is None:
            return
        own = allure_results.start(config, self.run_dir() / allure_results.RESULTS)
        if not own and not getattr(config.option, "allure_report_dir", None):
            return  # allure is not writing: no labels to add
        for item in checks:
            marker = item.get_closest_marker("check")
            try:
                check_id, severity = check_marker_args(marker.args, marker.kwargs)
            except ValueError:
                continue  # the plugin reports bad markers
            callspec = getattr(item, "callspec", None)
            label = f"{check_id}[{callspec.id}]" if callspec else check_id
            area = area_of({"nodeid": item.nodeid, "id": check_id})
            for mark in allure_results.markers(check_id, severity, area, label):
                item.add_marker(mark)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        marker = item.get_closest_marker("check")
        if call.when == "call" and marker is not None and item.get_closest_marker("golive"):
            callspec = getattr(item, "callspec", None)
            try:
                check_id, _ = check_marker_args(marker.args, marker.kwargs)
            except ValueError:
                return report
            allure_results.during_call(check_id, self.run_dir(), callspec.params if callspec else {},
                                       callspec.id if callspec else None)  # fmt: skip
        return report
