"""pytest glue only: options, markers, fixtures, the per-item outcome and the verdict.

Logic lives in plain modules (``golive.config``, ``golive.target``, ``golive.verdict``,
``golive.report.summary``); this file wires them into pytest's hooks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from golive.config import ConfigError, ExpectedCollection, Settings, load_settings, resolve_config_path, safe_name
from golive.outcomes import ExitCode, Inconclusive, Verdict
from golive.report.summary import build_summary, new_run_id, redact, write_summary
from golive.target import Target, TargetError, TargetUnreachable
from golive.verdict import SEVERITIES, CheckResult, Outcome, Severity, decide

MARKERS = (
    "golive: a go-live checklist item (run with `pytest -m golive`)",
    "check(id, severity): stable checklist id (GL-AREA-NNN) and severity, blocker or warning",
    'load: a load gate at full rate (leave out with -m "golive and not load")',
    "destructive: writes or restores data; runs only where the config allows it",
)
_VERDICT_COLOUR = {Verdict.GO: "green", Verdict.NO_GO: "red", Verdict.INCONCLUSIVE: "yellow"}


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
    group.addoption("--golive-run-id", metavar="ID", type=_run_id, help="run id to use instead of a new time-based one")


RESERVED_RUN_IDS = ("latest", "benchmarks")  # siblings of the run folders under reports/<env>/


def _run_id(value: str) -> str:
    try:
        safe_name(value, "a run id")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if value in RESERVED_RUN_IDS:
        raise argparse.ArgumentTypeError(f"{value!r} is reserved under reports/<env>/; pick another run id")
    return value


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    run = GoliveRun(config)
    config.stash[RUN_KEY] = run
    config.pluginmanager.register(run, "golive-run")


class GoliveRun:
    """State of one go-live run; the verdict is built like testinfra's Nagios reporter: tally, then decide."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.active = False
        self._settings: Settings | None = None
        self.results: dict[str, CheckResult] = {}
        self.selected: set[str] = set()  # nodeids of the checklist items that should report
        self.started_at = dt.datetime.now(dt.UTC)
        self.run_id = config.getoption("golive_run_id") or new_run_id(self.started_at)
        self.secrets: list[str] = []
        self.server: dict[str, Any] = {}
        self.swept: list[str] = []
        self.decision: Any = None
        self.summary_path: Path | None = None

    # ------------------------------------------------------------------ settings
    @property
    def explicitly_requested(self) -> bool:
        opt = self.config.getoption
        return bool(
            opt("golive_env") or opt("golive_config") or os.environ.get("GOLIVE_ENV") or os.environ.get("GOLIVE_CONFIG")
        )

    @property
    def settings(self) -> Settings:
        """Loaded once; a bad config stops the session here with the message and exit code 7."""
        if self._settings is None:
            opt = self.config.getoption
            try:
                path = resolve_config_path(
                    env=opt("golive_env"),
                    path=opt("golive_config") or os.environ.get("GOLIVE_CONFIG"),
                    root=self.config.rootpath,
                )
                environ = dict(os.environ)
                if opt("golive_target"):
                    environ["GOLIVE_TARGET_URL"] = opt("golive_target")
                self._settings = load_settings(path, environ=environ)
            except ConfigError as err:
                self._stop_for_config(err)
            self.secrets.extend(_secrets_in_use(self._settings))
        assert self._settings is not None
        return self._settings

    def _stop_for_config(self, err: ConfigError) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        text = f"golive: {err}\ngolive: stopped before any check ran (exit code {int(ExitCode.CONFIG_ERROR)})"
        if tr is not None:
            tr.write_line(text, red=True, bold=True)
        else:
            print(text)
        pytest.exit("golive: config error", returncode=int(ExitCode.CONFIG_ERROR))

    @property
    def run_dir(self) -> Path:
        base = self.config.getoption("golive_reports") or os.environ.get("GOLIVE_REPORTS")
        root = Path(base) if base else self.config.rootpath / "reports"
        return root / self.settings.env / self.run_id

    # ------------------------------------------------------------------ collection
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # A config asked for is checked at once (exit 7 before anything runs); the run becomes a golive run
        # only when checklist items are collected, so plain tests keep pytest's own exit codes and no summary.
        if self.explicitly_requested:
            _ = self.settings

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        if not self._settings:
            return []
        s = self._settings
        return [f"golive: env {s.env} ({s.source}), target {s.target.url}, run {self.run_id}"]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        checks = [item for item in items if item.get_closest_marker("golive")]
        if not checks:
            return
        self.active = True
        self.selected = {item.nodeid for item in checks}
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
        _ = self.settings

    # ------------------------------------------------------------------ per item
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report: pytest.TestReport = yield
        if self.secrets:
            _redact_report(report, self.secrets)
        if not self.active or not item.get_closest_marker("golive"):
            return report
        check_id, severity = check_marker(item)
        result = self.results.get(item.nodeid)
        if result is None:
            callspec = getattr(item, "callspec", None)
            result = CheckResult(
                id=check_id,
                nodeid=item.nodeid,
                title=_title(item),
                severity=severity,
                outcome="passed",
                param=callspec.id if callspec else None,
            )
            self.results[item.nodeid] = result
        result.duration += report.duration
        if report.when == "call" and report.user_properties:
            result.properties = redact({str(k): v for k, v in report.user_properties}, self.secrets)
        outcome, message = self._outcome(call, report)
        if outcome == "passed" and result.outcome != "passed":
            return report  # a clean teardown does not hide an earlier failure
        if outcome != "passed" or report.when == "call":
            result.outcome, result.message = outcome, redact(message, self.secrets)
        if outcome in ("failed", "error"):
            self._apply_waiver(result, report)
        if outcome == "inconclusive":
            report.golive_outcome = "inconclusive"  # type: ignore[attr-defined]
            report.longrepr = f"INCONCLUSIVE {result.label}: {message}"
        elif call.excinfo is not None and call.excinfo.errisinstance(TargetUnreachable):
            report.longrepr = f"{result.label}: {call.excinfo.value}"
        return report

    def _outcome(self, call: pytest.CallInfo[None], report: pytest.TestReport) -> tuple[Outcome, str]:
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

    def _apply_waiver(self, result: CheckResult, report: pytest.TestReport) -> None:
        today = dt.date.today()
        waiver = self.settings.waiver_for(result.id, today, label=result.label)
        if waiver is None:
            return
        result.waiver = {
            "reason": waiver.reason,
            "approver": waiver.approver,
            "expires": waiver.expires.isoformat(),
            "active": str(waiver.active(today)).lower(),
        }
        if waiver.active(today):
            result.outcome = "waived"
            report.golive_outcome = "waived"  # type: ignore[attr-defined]
        else:
            result.message += f" (waiver expired on {waiver.expires}; approved by {waiver.approver})"

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, tuple[str, Any]] | None:
        status = getattr(report, "golive_outcome", None)
        if status == "waived":
            return "waived", "W", ("WAIVED", {"yellow": True})
        if status == "inconclusive":
            return "inconclusive", "I", ("INCONCLUSIVE", {"yellow": True})
        return None

    # ------------------------------------------------------------------ verdict
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.active or self._settings is None or self.config.option.collectonly:
            return
        if exitstatus in (ExitCode.INTERNAL_ERROR, ExitCode.USAGE_ERROR, ExitCode.CONFIG_ERROR):
            return
        interrupted = exitstatus == ExitCode.INTERRUPTED
        results = list(self.results.values())
        # -x / --maxfail stop the run early too: items that never reported must not let the rest say GO
        unfinished = bool(self.selected - self.results.keys())
        self.decision = decide(results, interrupted=interrupted or unfinished)
        settings = self._settings
        summary = build_summary(
            run_id=self.run_id,
            env=settings.env,
            config=settings.source,
            target={
                "url": settings.target.url,
                "sandbox": bool(self.server.get("sandbox")),
                "server": self.server,
                "swept_probe_collections": self.swept,
            },
            started_at=self.started_at,
            finished_at=dt.datetime.now(dt.UTC),
            decision=self.decision,
            results=results,
        )
        self.summary_path = write_summary(self.run_dir, summary, self.secrets)
        if not interrupted:
            session.exitstatus = int(self.decision.exit_code)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.decision is None or self._settings is None:
            return
        tr, results = terminalreporter, list(self.results.values())
        target = self._settings.target.url
        if self.server.get("sandbox"):
            target += f" (the golive sandbox, {self.server['sandbox']}: a test target, not a Qdrant server)"
        tr.section(f"golive {self._settings.env}: {target}", sep="=")
        groups = (
            (
                "blockers failed",
                [r for r in results if r.severity == "blocker" and r.outcome in ("failed", "error")],
            ),
            ("inconclusive", [r for r in results if r.outcome == "inconclusive"]),
            (
                "warnings failed",
                [r for r in results if r.severity == "warning" and r.outcome in ("failed", "error")],
            ),
            ("waived", [r for r in results if r.outcome == "waived"]),
        )
        for name, group in groups:
            for r in group:
                extra = ""
                if r.waiver and r.outcome == "waived":
                    extra = f" (waived until {r.waiver['expires']} by {r.waiver['approver']}: {r.waiver['reason']})"
                tr.write_line(f"{name}: {r.label} {r.title}{extra}")
                if r.message and r.outcome != "waived":
                    tr.write_line(f"    {r.message.splitlines()[0][:300]}")
        skipped: dict[str, list[str]] = {}
        for r in results:
            if r.severity == "blocker" and r.outcome == "skipped":
                skipped.setdefault(r.message.splitlines()[0][:300] if r.message else "", []).append(r.label)
        for reason, labels in skipped.items():  # a GO with blockers left out must say so
            tr.write_line(f"blockers skipped: {' '.join(labels)}")
            if reason:
                tr.write_line(f"    {reason}")
        if self.swept:
            tr.write_line(f"swept stale probe collections: {', '.join(self.swept)}")
        tr.write_line(f"summary: {self.summary_path}")
        verdict = self.decision.verdict
        labels = [r.removeprefix("blocker failed: ") for r in self.decision.reasons]
        failing = " ".join(labels[:12]) + (f" and {len(labels) - 12} more" if len(labels) > 12 else "")
        tr.write_line(
            f"VERDICT: {verdict}" + (f" ({failing})" if failing else ""),
            bold=True,
            **{_VERDICT_COLOUR[verdict]: True},
        )


RUN_KEY = pytest.StashKey[GoliveRun]()


def check_marker(item: pytest.Item) -> tuple[str, Severity]:
    """``(id, severity)`` from ``@pytest.mark.check("GL-SEC-002", severity="blocker")``; ValueError if bad."""
    from golive.config import CHECK_ID_RE

    marker = item.get_closest_marker("check")
    if marker is None:
        raise ValueError('a golive item needs @pytest.mark.check("GL-AREA-NNN", severity="blocker"|"warning")')
    args, kwargs = list(marker.args), dict(marker.kwargs)
    check_id = args.pop(0) if args else kwargs.pop("id", None)
    severity = args.pop(0) if args else kwargs.pop("severity", "blocker")
    if args or kwargs:
        raise ValueError(f"unexpected check marker arguments {args or ''}{kwargs or ''}: takes (id, severity=)")
    if not isinstance(check_id, str) or not CHECK_ID_RE.match(check_id):
        raise ValueError(f"check id {check_id!r} is not of the form GL-AREA-NNN (e.g. GL-SEC-002)")
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} of {check_id} is not one of: {', '.join(SEVERITIES)}")
    return check_id, cast(Severity, severity)


def _secrets_in_use(settings: Settings | None) -> list[str]:
    """The values of every secret the config names (API keys, dependency passwords), known before any check runs."""
    if settings is None:
        return []
    names = [settings.target.api_key_env, settings.target.read_only_api_key_env]
    names += [d.password_env for d in settings.dependencies if d.password_env]
    return [value for name in names if (value := os.environ.get(name))]


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
        text = str(value).split("\nassert ", 1)[0].strip()
        return text or excinfo.exconly()
    if isinstance(value, TargetError):
        return str(value)
    return excinfo.exconly()


# ---------------------------------------------------------------------------------------------- fixtures


def _run(request: pytest.FixtureRequest) -> GoliveRun:
    return request.config.stash[RUN_KEY]


@pytest.fixture(scope="session")
def golive_config(request: pytest.FixtureRequest) -> Settings:
    """The validated settings of the environment under test."""
    return _run(request).settings


@pytest.fixture(scope="session")
def run_dir(request: pytest.FixtureRequest) -> Path:
    """``reports/<env>/<run-id>/``: where this run keeps its evidence."""
    path = _run(request).run_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def qdrant(request: pytest.FixtureRequest, golive_config: Settings) -> Iterator[Target]:
    """The target deployment: ``qdrant.get(path)``, ``qdrant.result(path)``, ``qdrant.client`` (qdrant-client)."""
    run = _run(request)
    target = Target(golive_config.target)
    run.secrets.extend(target.secrets)
    try:
        from golive.probes.health import server_info

        info = server_info(target)
        run.server = {
            "title": info.title,
            "version": info.version,
            "commit": info.commit,
            "sandbox": info.sandbox,
        }
    except TargetError:  # each check meets the failure itself, at once, with the same one line
        run.server = {"sandbox": "configured, not answering" if golive_config.target.is_sandbox else None}
    else:
        if golive_config.allow.probe_writes:
            run.swept = _sweep(target)
    try:
        yield target
    finally:
        target.close()


def _sweep(target: Target) -> list[str]:
    """Remove probe collections that killed runs left behind (DESIGN: safety rules)."""
    from golive.load.probe import QdrantCallError, sweep_stale_probes

    try:
        return sweep_stale_probes(target.call)
    except (QdrantCallError, TargetError) as err:
        return [f"sweep failed: {err}"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "expected_collection" in metafunc.fixturenames:
        run = metafunc.config.stash[RUN_KEY]
        collections: list[ExpectedCollection] = run.settings.collections
        metafunc.parametrize("expected_collection", collections, ids=[c.name for c in collections], scope="session")
