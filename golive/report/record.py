"""The run record: everything one finished run decided and kept, as every writer reads it.

``RunRecord.summary()`` is the summary.json document (schema in ``golive.report.summary``) plus ``evidence``,
the files of the run folder relative to it (``["load/result.json", ...]``). ``redact`` keeps the secrets in
use out of every string a writer emits. Writers only read the record; the session builds it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.outcomes import Verdict
from golive.verdict import CheckResult, Decision

REDACTED = "***"

INCOMPLETE_MARKER = "INCOMPLETE"  # in a run folder from its creation until its summary.json is written


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every secret inside strings, lists, tuples and dicts (keys too) with ``***``, where it stands as a
    token of its own (bounded by characters that are not letters or digits: headers, URLs, quoted values, a value
    equal to it), never inside a longer word: a key ``GO`` must not turn ``"verdict": "GO"`` into ``***``
    (the config refuses keys that short anyway)."""
    pattern = _secrets_pattern(secrets)
    return value if pattern is None else _redact(value, pattern)


def _secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    # longest first, so a secret that contains a shorter one is not left half visible
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, ordered)) + r")(?![A-Za-z0-9])")


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list | tuple):
        return [_redact(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_redact(k, pattern): _redact(v, pattern) for k, v in value.items()}
    return value


@dataclass
class RunRecord:
    """One finished run. ``target`` is ``{url, sandbox, server, swept_probe_collections}``; ``hosts`` what each
    host in ``hosts:`` said about itself (OS, kernel, cores, memory, ...), keyed by its name."""

    run_id: str
    env: str
    config: str
    target: dict[str, Any]
    started_at: dt.datetime
    finished_at: dt.datetime
    decision: Decision
    results: list[CheckResult]
    run_dir: Path
    secrets: list[str] = field(default_factory=list, repr=False)
    evidence: list[str] = field(default_factory=list)
    interrupted: bool = False
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)  # what each probed host said about itself

    @property
    def verdict(self) -> Verdict:
        return self.decision.verdict

    def results_where(self, *, severity: str | None = None, outcomes: tuple[str, ...] = ()) -> list[CheckResult]:
        return [
            r
            for r in self.results
            if (severity is None or r.severity == severity) and (not outcomes or r.outcome in outcomes)
        ]

    def summary(self) -> dict[str, Any]:
        """The summary.json document, not yet redacted (the writer redacts)."""
        from golive.report.summary import build_summary

        document = build_summary(
            run_id=self.run_id,
            env=self.env,
            config=self.config,
            target=self.target,
            started_at=self.started_at,
            finished_at=self.finished_at,
            decision=self.decision,
            results=self.results,
        )
        return document | {"evidence": list(self.evidence), "hosts": self.hosts}

    def collect_evidence(self, written: Iterable[str | Path | Iterable[str | Path] | None] = ()) -> None:
        """The files in the run folder, and those the writers name (each a path, a list of paths or None),
        relative to the folder when they are inside it."""
        found: set[str] = set(self.evidence)
        if self.run_dir.is_dir():
            found |= {str(p.relative_to(self.run_dir)) for p in self.run_dir.rglob("*") if p.is_file()}
        for paths in written:
            for path in [paths] if isinstance(paths, str | Path) else paths or ():
                p = Path(path)
                found.add(str(p.relative_to(self.run_dir)) if p.is_relative_to(self.run_dir) else str(p))
        allure = {f for f in found if f == "allure-results" or f.startswith("allure-results/")}
        found = (found - allure) | ({"allure-results/"} if allure else set())  # one entry, not one per result
        found.discard("summary.json")
        found.discard(INCOMPLETE_MARKER)
        self.evidence = sorted(found)
