"""One go-live run in plain Python, behind the pytest plugin (as pytest-benchmark's ``BenchmarkSession``).

    session = RunSession(env="sandbox")        # settings load once, on first use (ConfigError if bad)
    session.record_phase(item, "call", "failed", "p95 12 ms > 10 ms", duration=0.4)
    record = session.finish()                   # verdict decided -> golive.report.record.RunRecord

It owns the run id, the run folder (``reports/<env>/<run-id>/``), the secrets in use (for redaction), the
per-item results with their waivers, the verdict and the run record. The plugin only feeds it pytest's
events; ``golive run`` and ``golive load`` use ``reports_root`` and ``golive.config.load_run_settings`` too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.config import ConfigError, Settings, load_run_settings, secrets_in_use
from golive.errors import KeyRefused
from golive.fields import check_run_id, new_run_id
from golive.report.record import INCOMPLETE_MARKER, RunRecord, redact
from golive.verdict import CheckResult, Outcome, Severity, decide


def run_id_option(value: str) -> str:
    """``--golive-run-id``'s parser: the one run-id form (``golive.fields.check_run_id``), at parse time."""
    try:
        return check_run_id(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


PATH_OPTIONS = ("--golive-config", "--golive-reports")


def spaced_path_option(args: list[str]) -> str | None:
    """The one-line usage error for ``--golive-config PATH`` (a space, not ``=``), or None.

    pytest picks its rootdir from the command line's paths before it knows plugin options: a separate PATH
    outside the checkout makes the common ancestor the rootdir (hundreds of unrelated tests collected)."""
    for arg, value in zip(args, [*args[1:], None], strict=True):
        if arg in PATH_OPTIONS and value is not None:
            return f"write {arg}={value} (with '='): with a space pytest takes {value} for a test path"
    return None


def reports_root(explicit: str | Path | None = None, root: Path | None = None) -> Path:
    """Where runs are written: ``explicit`` (``--golive-reports``), else ``GOLIVE_REPORTS``, else
    ``<root>/reports`` (``root`` is pytest's rootdir; the current folder for the command line)."""
    base = explicit or os.environ.get("GOLIVE_REPORTS")
    return Path(base) if base else (root / "reports" if root else Path("reports"))


@dataclass(frozen=True)
class Item:
    """A checklist item as the session sees it: pytest's node id, its marker's id and severity, its title."""

    nodeid: str
    id: str
    severity: Severity
    title: str
    param: str | None = None


class RunSession:
    """State of one go-live run; the verdict is built like testinfra's Nagios reporter: tally, then decide."""

    def __init__(
        self,
        *,
        env: str | None = None,
        config: str | Path | None = None,
        target_url: str | None = None,
        reports: str | Path | None = None,
        run_id: str | None = None,
        root: Path | None = None,
        environ: Mapping[str, str] | None = None,
        overwrite: bool = False,
    ) -> None:
        self._env, self._config, self._target_url, self._root, self._environ = env, config, target_url, root, environ
        self.explicitly_requested = bool(
            env or config or (os.environ if environ is None else environ).get("GOLIVE_ENV")
        )
        self.reports = reports_root(reports, root)
        self.started_at = dt.datetime.now(dt.UTC)
        self.run_id = run_id or new_run_id(self.started_at)
        self._reused_id_allowed = overwrite or not run_id  # a generated id is new; a chosen one may exist
        self.loaded: Settings | None = None
        self.secrets: list[str] = []
        self.server: dict[str, Any] = {}
        self.swept: list[str] = []
        self.notices: list[str] = []  # run-wide causes shown once, at the top (e.g. the target refused the key)
        self.leftovers: list[str] = []  # probe collections the run could not remove (from the target facade)
        self.hosts: dict[str, dict[str, Any]] = {}  # what each probed host said about itself (evidence)
        self.results: dict[str, CheckResult] = {}
        self.selected: set[str] = set()  # node ids of the checklist items that should report
        self.record: RunRecord | None = None

    # ------------------------------------------------------------------ settings and folders
    @property
    def settings(self) -> Settings:
        """Loaded once, through the one function every entry point uses; raises ``ConfigError``."""
        if self.loaded is None:
            self.loaded = load_run_settings(
                env=self._env, path=self._config, target_url=self._target_url, root=self._root, environ=self._environ
            )
            self.add_secrets(secrets_in_use(self.loaded, self._environ))
            existing = self.run_dir
            if not self._reused_id_allowed and (existing / "summary.json").exists():
                self.loaded = None
                raise ConfigError(
                    f"--golive-run-id={self.run_id}",
                    [("run id", f"{existing} already holds a finished run; pick another run id, or pass "
                      "--golive-overwrite to replace it")],
                )  # fmt: skip
        return self.loaded

    @property
    def run_dir(self) -> Path:
        return self.reports / self.settings.env / self.run_id

    def open_run_dir(self) -> Path:
        """Create the run folder, marked ``INCOMPLETE`` until its summary is written: a folder that keeps the
        marker was left by a killed run (``latest`` only ever points at a folder with a summary)."""
        path = self.run_dir
        path.mkdir(parents=True, exist_ok=True)
        if not (path / "summary.json").exists():
            (path / INCOMPLETE_MARKER).write_text(
                f"run {self.run_id} started {self.started_at:%Y-%m-%dT%H:%M:%SZ} by pid {os.getpid()}; "
                "no summary.json was written: the run was killed before it finished\n",
                encoding="utf-8",
            )
        return path

    def add_secrets(self, values: list[str]) -> None:
        self.secrets.extend(v for v in values if v and v not in self.secrets)

    # ------------------------------------------------------------------ per item
    def record_phase(
        self,
        item: Item,
        when: str,
        outcome: Outcome,
        message: str,
        duration: float,
        properties: Mapping[str, Any] | None = None,
    ) -> CheckResult:
        """Fold one phase (setup, call, teardown) of an item into its result; failures meet the waivers.
        ``properties`` (the call's ``user_properties``, e.g. a dependency's version and role) are kept, redacted."""
        _ = self.settings  # the secrets to redact and the waivers are known before the first message is kept
        result = self.results.get(item.nodeid)
        if result is None:
            result = CheckResult(
                id=item.id,
                nodeid=item.nodeid,
                title=item.title,
                severity=item.severity,
                outcome="passed",
                param=item.param,
            )
            self.results[item.nodeid] = result
        result.duration += duration
        if when == "call" and properties:
            result.properties = redact(dict(properties), self.secrets)
        if outcome == "passed" and result.outcome != "passed":
            return result  # a clean teardown does not hide an earlier failure
        if outcome != "passed" or when == "call":
            result.outcome, result.message = outcome, redact(message, self.secrets)
        self._notice(result.message if outcome in ("failed", "error") else "")
        if outcome in ("failed", "error") or (outcome == "skipped" and result.severity == "blocker"):
            self.apply_waiver(result)  # a waiver also names a blocker that did not run (no silent GO)
        return result

    def _notice(self, message: str) -> None:
        """A wrong key is one cause for many failures: say it once, at the top, as well as per item."""
        line = message.removeprefix("sweep failed: ")
        if line.startswith(KeyRefused.PREFIX) and line not in self.notices:
            self.notices.append(line)

    def apply_waiver(self, result: CheckResult, today: dt.date | None = None) -> None:
        """An active waiver turns a failure, or a blocker that did not run, into ``waived``; an expired one only
        says so in the message."""
        today = today or dt.date.today()
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
            if result.outcome == "skipped":
                result.message = f"not run: {result.message}"
            result.outcome = "waived"
        else:
            result.message += f" (waiver expired on {waiver.expires}; approved by {waiver.approver})"

    # ------------------------------------------------------------------ the end
    def finish(self, *, interrupted: bool = False) -> RunRecord:
        """Decide the verdict and build the run record. Items selected but never reported (``-x``,
        ``--maxfail``, an interrupt) must not let the rest say GO."""
        results = list(self.results.values())
        for entry in self.swept:
            self._notice(entry)
        swept = [e for e in self.swept if e.removeprefix("sweep failed: ") not in self.notices]
        unfinished = bool(self.selected - self.results.keys())
        settings = self.settings
        self.record = RunRecord(
            run_id=self.run_id,
            env=settings.env,
            config=settings.source,
            target={
                "url": settings.target.url,
                "sandbox": bool(self.server.get("sandbox")),
                "server": self.server,
                "swept_probe_collections": swept,
                "notices": self.notices,
                "leftover_probe_collections": self.leftovers,
            },
            started_at=self.started_at,
            finished_at=dt.datetime.now(dt.UTC),
            decision=decide(results, interrupted=interrupted or unfinished),
            results=results,
            run_dir=self.run_dir,
            secrets=list(self.secrets),
            interrupted=interrupted,
            hosts=dict(self.hosts),
        )
        return self.record
