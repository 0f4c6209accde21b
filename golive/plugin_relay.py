"""pytest glue for what reaches the run session through test reports rather than items: the evidence the host
items record (``record_property("golive_host", {...})``) and, under pytest-xdist, the workers' results.

Under xdist every worker runs items and folds them into its own ``RunSession``; each report carries the
item's result so far (``report.golive_result``), and the controller, which collects and runs nothing, rebuilds
its session from those reports. Only the controller decides the verdict and writes the run folder; the workers
take its run id (``workerinput``), so the evidence they write lands in the same folder, and hand back the
selected items and the server facts when they finish (``workeroutput``).
"""

from __future__ import annotations

from typing import Any

import pytest

from golive.session import RunSession
from golive.verdict import CheckResult


class ReportRelay:
    def __init__(self, config: pytest.Config, session: RunSession, active_key: pytest.StashKey[bool]) -> None:
        self.config, self.session, self.active_key = config, session, active_key
        self.order: list[str] = []  # the collection order, which the controller restores over arrival order
        worker_input = getattr(config, "workerinput", None)
        if worker_input is not None and worker_input.get("golive_run_id"):
            session.run_id = worker_input["golive_run_id"]  # one run folder for the whole xdist run

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """After the plugin folded the phase into the session (its wrapper runs inside this one, registered
        earlier), put the item's result so far on the report, for an xdist controller."""
        report: pytest.TestReport = yield
        result = self.session.results.get(item.nodeid)
        if result is not None:
            report.golive_result = result.as_dict()  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == "golive_host" and isinstance(value, dict):
                self.session.hosts.setdefault(str(value.get("host")), dict(value))
        snapshot = getattr(report, "golive_result", None)
        if snapshot is None or getattr(report, "node", None) is None:
            return  # not from an xdist worker: the plugin's pytest_runtest_makereport folded it in already
        self.config.stash[self.active_key] = True
        _ = self.session.settings
        self.session.results[report.nodeid] = CheckResult(**{k: v for k, v in snapshot.items() if k != "label"})

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["golive_run_id"] = self.session.run_id

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.order = self.order or list(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self.session.selected |= set(output.get("golive_selected", ()))
        self.session.server = self.session.server or output.get("golive_server", {})
        self.session.swept += [name for name in output.get("golive_swept", ()) if name not in self.session.swept]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """On an xdist worker: hand the controller what only the worker saw, and leave the verdict and the
        run folder to it (the plugin's own sessionfinish then finds no golive run here)."""
        output = getattr(self.config, "workeroutput", None)
        if output is not None:
            run = self.session
            output.update(golive_selected=sorted(run.selected), golive_server=run.server, golive_swept=run.swept)
            self.config.stash[self.active_key] = False
        elif self.order:  # the controller: results in collection order, as a serial run has them
            rank = {nodeid: i for i, nodeid in enumerate(self.order)}
            ordered = sorted(self.session.results.items(), key=lambda kv: rank.get(kv[0], len(rank)))
            self.session.results = dict(ordered)
