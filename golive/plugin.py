"""pytest glue only: options, markers, fixtures and hooks, wired to ``golive.session.RunSession``.

The run's logic lives in plain modules (``golive.session``, ``golive.verdict``, ``golive.report``); writers
and the release gate plug in through the ``pytest_golive_*`` hooks of ``golive.hookspec``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive import hookspec
from golive.config import Settings
from golive.errors import ConfigError, HostError, Inconclusive, TargetError, TargetUnreachable
from golive.outcomes import ExitCode
from golive.plugin_relay import ReportRelay
from golive.report.record import redact
from golive.report.summary import write_record
from golive.report.terminal import write_verdict
from golive.report.writers import ReportWriters
from golive.session import Item, RunSession, run_id_option, spaced_path_option
from golive.target import Target
from golive.verdict import Outcome, Severity, check_marker_args

MARKERS = (
    "golive: a go-live checklist item (run with `pytest -m golive`)",
    "check(id, severity): stable checklist id (GL-AREA-NNN) and severity, blocker or warning",
    'load: a load gate at full rate (leave out with -m "golive and not load")',
    "destructive: writes or restores data; runs only where the config allows it",
)
SESSION_KEY = pytest.StashKey[RunSession]()
ACTIVE_KEY = pytest.StashKey[bool]()  # checklist items were collected: this is a golive run


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive", "qdrant-golive: the go-live checklist")
    group.addoption(
        "--golive-env",
        metavar="NAME",
        help="environment to check: reads config/NAME.yaml (env GOLIVE_ENV; default: sandbox)",
    )
    group.addoption(
        "--golive-config",
        metavar="PATH",
        help="config file to use instead of config/<env>.yaml (env GOLIVE_CONFIG)",
    )
    group.addoption(
        "--golive-target", metavar="URL", help="override target.url from the config (env GOLIVE_TARGET_URL)"
    )
    group.addoption(
        "--golive-reports",
        metavar="DIR",
        help="folder the run is written under, as DIR/<env>/<run-id>/ (env GOLIVE_REPORTS; default: ./reports)",
    )
    group.addoption("--golive-run-id", metavar="ID", type=run_id_option, help="run id instead of a new time-based one")
    group.addoption("--golive-overwrite", action="store_true", help="let --golive-run-id replace a finished run")


def pytest_load_initial_conftests(args: list[str]) -> None:
    if message := spaced_path_option(args):  # before pytest collects from the wrong rootdir
        raise pytest.UsageError(message)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    opt = config.getoption
    config.stash[SESSION_KEY] = run = RunSession(
        env=opt("golive_env"),
        config=opt("golive_config") or os.environ.get("GOLIVE_CONFIG"),
        target_url=opt("golive_target"),
        reports=opt("golive_reports"),
        run_id=opt("golive_run_id"),
        overwrite=opt("golive_overwrite"),
        root=config.rootpath,
    )
    config.stash[ACTIVE_KEY] = False
    config.pluginmanager.register(ReportRelay(config, run, ACTIVE_KEY), "golive-relay")  # xdist, host evidence
    config.pluginmanager.register(ReportWriters(lambda: run.loaded, lambda: run.run_dir), "golive-report")


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings, loaded once; a bad config stops pytest here with the message and exit code 7."""
    session = config.stash[SESSION_KEY]
    try:
        return session.settings
    except ConfigError as err:
        tr = config.pluginmanager.get_plugin("terminalreporter")
        text = f"golive: {err}\ngolive: stopped before any check ran (exit code {int(ExitCode.CONFIG_ERROR)})"
        if tr is not None:
            tr.write_line(text, red=True, bold=True)
        else:
            print(text)
        pytest.exit("golive: config error", returncode=int(ExitCode.CONFIG_ERROR))


def pytest_sessionstart(session: pytest.Session) -> None:
    # A config asked for is checked at once (exit 7 before anything runs); the run becomes a golive run only
    # when checklist items are collected, so plain tests keep pytest's own exit codes and no summary.
    if session.config.stash[SESSION_KEY].explicitly_requested:
        settings_of(session.config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    run, s = config.stash[SESSION_KEY], config.stash[SESSION_KEY].loaded
    return [f"golive: env {s.env} ({s.source}), target {s.target.url}, run {run.run_id}"] if s else []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("golive") is None and "expected_collection" not in metafunc.fixturenames:
        return
    try:
        settings = metafunc.config.stash[SESSION_KEY].settings
    except ConfigError:  # reported once the items are collected (exit 7), not as a collection error per file
        return
    if "expected_collection" in metafunc.fixturenames:
        collections = settings.collections
        metafunc.parametrize("expected_collection", collections, ids=[c.name for c in collections], scope="session")
    metafunc.config.hook.pytest_golive_generate_tests(metafunc=metafunc, settings=settings)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = [item for item in items if item.get_closest_marker("golive")]
    if not checks:
        return
    config.stash[ACTIVE_KEY] = True
    config.stash[SESSION_KEY].selected = {item.nodeid for item in checks}
    problems: list[str] = []
    first_of: dict[str, str] = {}
    for item in checks:
        try:
            check_id, _ = check_marker(item)
        except ValueError as err:
            problems.append(f"{item.nodeid}: {err}")
            continue
        callspec = getattr(item, "callspec", None)
        owner = item.nodeid.removesuffix(f"[{callspec.id}]") if callspec else item.nodeid  # one per function
        if first_of.setdefault(check_id, owner) != owner:
            problems.append(f"{item.nodeid}: check id {check_id} is already used by {first_of[check_id]}")
    if problems:
        raise pytest.UsageError("golive: bad check markers:\n  " + "\n  ".join(problems))
    settings_of(config)


def check_marker(item: pytest.Item) -> tuple[str, Severity]:
    """``(id, severity)`` from ``@pytest.mark.check("GL-SEC-002", severity="blocker")``; ValueError if bad."""
    marker = item.get_closest_marker("check")
    if marker is None:
        raise ValueError('a golive item needs @pytest.mark.check("GL-AREA-NNN", severity="blocker"|"warning")')
    return check_marker_args(marker.args, marker.kwargs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    run = item.config.stash[SESSION_KEY]
    if run.secrets:
        _redact_report(report, run.secrets)
    if not item.config.stash[ACTIVE_KEY] or not item.get_closest_marker("golive"):
        return report
    check_id, severity = check_marker(item)
    callspec = getattr(item, "callspec", None)
    subject = Item(item.nodeid, check_id, severity, _title(item), callspec.id if callspec else None)
    outcome, message = _outcome(call, report)
    result = run.record_phase(subject, report.when, outcome, message, report.duration, dict(report.user_properties))
    if result.outcome == "waived" and outcome in ("failed", "error", "skipped"):
        report.golive_outcome = "waived"  # type: ignore[attr-defined]
    if outcome == "inconclusive":
        report.golive_outcome = "inconclusive"  # type: ignore[attr-defined]
        report.longrepr = f"INCONCLUSIVE {result.label}: {message}"
    elif call.excinfo is not None and call.excinfo.errisinstance((TargetUnreachable, HostError)):
        report.longrepr = f"{result.label}: {call.excinfo.value}"
    return report


def _outcome(call: pytest.CallInfo[None], report: pytest.TestReport) -> tuple[Outcome, str]:
    if report.passed:
        return "passed", ""
    excinfo = call.excinfo
    if excinfo is not None and excinfo.errisinstance(Inconclusive):
        return "inconclusive", str(excinfo.value)
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    message = _message(excinfo) if excinfo is not None else str(report.longrepr)
    return ("failed" if report.when == "call" else "error"), message


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, Any]] | None:
    status = getattr(report, "golive_outcome", None)
    if status == "waived":
        return "waived", "W", ("WAIVED", {"yellow": True})
    if status == "inconclusive":
        return "inconclusive", "I", ("INCONCLUSIVE", {"yellow": True})
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash[SESSION_KEY]
    if not config.stash[ACTIVE_KEY] or run.loaded is None or config.option.collectonly:
        return
    if exitstatus in (ExitCode.INTERNAL_ERROR, ExitCode.USAGE_ERROR, ExitCode.CONFIG_ERROR):
        return
    interrupted = exitstatus == ExitCode.INTERRUPTED
    record = run.finish(interrupted=interrupted)
    record.collect_evidence(config.hook.pytest_golive_write_report(record=record, run_dir=record.run_dir))
    write_record(record)
    config.hook.pytest_golive_run_finished(record=record, run_dir=record.run_dir)
    if not interrupted:
        session.exitstatus = int(record.decision.exit_code)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    record = config.stash[SESSION_KEY].record
    if record is not None:
        write_verdict(terminalreporter, record)


def _redact_report(report: pytest.TestReport, secrets: list[str]) -> None:
    """Keep the keys in use out of the terminal, JUnit and every other consumer of the report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, reason)
        report.longrepr = (longrepr[0], longrepr[1], redact(longrepr[2], secrets))
    elif longrepr is not None:
        text = str(longrepr)
        if any(secret in text for secret in secrets):
            report.longrepr = redact(text, secrets)
    report.sections = [(title, redact(content, secrets)) for title, content in report.sections]


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else item.name


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    value = excinfo.value
    if isinstance(value, AssertionError):
        return str(value).split("\nassert ", 1)[0].strip() or excinfo.exconly()
    if isinstance(value, TargetError | HostError):
        return str(value)
    return excinfo.exconly()


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def golive_config(request: pytest.FixtureRequest) -> Settings:
    """The validated settings of the environment under test."""
    return settings_of(request.config)


@pytest.fixture(scope="session")
def run_dir(request: pytest.FixtureRequest, golive_config: Settings) -> Path:
    """``reports/<env>/<run-id>/``: where this run keeps its evidence."""
    return request.config.stash[SESSION_KEY].open_run_dir()


@pytest.fixture(scope="session")
def qdrant(request: pytest.FixtureRequest, golive_config: Settings) -> Iterator[Target]:
    """The target deployment: ``qdrant.get(path)``, ``qdrant.result(path)``, ``qdrant.client`` (qdrant-client)."""
    from golive.probes.health import server_info
    from golive.probes.probe_collections import sweep_stale_probes

    run = request.config.stash[SESSION_KEY]
    target = Target(golive_config.target)
    run.add_secrets(target.secrets)
    try:
        info = server_info(target)
        run.server = {"title": info.title, "version": info.version, "commit": info.commit, "sandbox": info.sandbox}
    except TargetError:  # each check meets the failure itself, at once, with the same one line
        run.server = {"sandbox": "configured, not answering" if golive_config.target.is_sandbox else None}
    else:
        if golive_config.allow.probe_writes:  # remove probe collections that killed runs left behind
            try:
                run.swept = sweep_stale_probes(target.call)
            except TargetError as err:
                run.swept = [f"sweep failed: {err}"]
    try:
        yield target
    finally:
        run.leftovers = target.leftovers
        target.close()
