"""The terminal verdict writer: the block pytest prints at the end of a golive run.

``write_verdict(terminal, record)`` takes anything with pytest's ``TerminalReporter`` methods ``section`` and
``write_line``: the failed blockers, the inconclusive items, failed warnings, waivers, blockers not run, swept
probe collections, the summary path, then ``VERDICT: GO`` (green), ``NO-GO`` (red) or ``INCONCLUSIVE``
(yellow) with the labels that decided it.
"""

from __future__ import annotations

from typing import Any, Protocol

from golive.outcomes import Verdict
from golive.report.record import RunRecord
from golive.verdict import not_run_blockers

_VERDICT_COLOUR = {Verdict.GO: "green", Verdict.NO_GO: "red", Verdict.INCONCLUSIVE: "yellow"}
_FAILED = ("failed", "error")
MAX_LABELS = 12


class Terminal(Protocol):
    def section(self, title: str, sep: str = ..., **markup: bool) -> None: ...

    def write_line(self, line: str, **markup: bool) -> None: ...


def write_verdict(tr: Terminal | Any, record: RunRecord) -> None:
    """Write the verdict block of ``record`` to the terminal."""
    target = record.target["url"]
    sandbox = (record.target.get("server") or {}).get("sandbox")
    if sandbox:
        target += f" (the golive sandbox, {sandbox}: a test target, not a Qdrant server)"
    tr.section(f"golive {record.env}: {target}", sep="=")
    for notice in record.target.get("notices") or ():  # one cause behind many failures, said once, first
        tr.write_line(f"golive: {notice}", bold=True, red=True)
    groups = (
        ("blockers failed", record.results_where(severity="blocker", outcomes=_FAILED)),
        ("inconclusive", record.results_where(outcomes=("inconclusive",))),
        ("warnings failed", record.results_where(severity="warning", outcomes=_FAILED)),
        ("waived", record.results_where(outcomes=("waived",))),
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
    for r in not_run_blockers(record.results):
        skipped.setdefault(r.message.splitlines()[0][:300] if r.message else "", []).append(r.label)
    for reason, labels in skipped.items():  # no silent GO: each blocker left out, with its reason
        tr.write_line(f"blockers not run (no waiver names them): {' '.join(labels)}")
        if reason:
            tr.write_line(f"    {reason}")
    swept = record.target.get("swept_probe_collections")
    if swept:
        tr.write_line(f"swept stale probe collections: {', '.join(swept)}")
    for leftover in record.target.get("leftover_probe_collections") or ():  # remove by hand; the sweep is 6 h away
        tr.write_line(f"probe collection NOT removed: {leftover}", red=True)
    tr.write_line(f"summary: {record.run_dir / 'summary.json'}")
    if "report.html" in record.evidence:
        tr.write_line(f"report: {record.run_dir / 'report.html'}")
    line = verdict_text(str(record.verdict), record.decision.reasons)
    markup = {"bold": True, _VERDICT_COLOUR[record.verdict]: True}
    config = getattr(tr, "config", None)
    if config is None:  # not pytest's reporter: the block ends here
        tr.write_line(line, **markup)
    elif not config.pluginmanager.has_plugin(_LastLine.name):
        config.pluginmanager.register(_LastLine(tr, line, markup), _LastLine.name)


def verdict_text(verdict: str, reasons: list[str]) -> str:
    """``VERDICT: NO-GO (GL-HEALTH-001 GL-HEALTH-002)``: the verdict and, cut short, the labels that decided it."""
    labels = [_reason_label(r) for r in reasons]
    failing = " ".join(labels[:MAX_LABELS])
    if len(labels) > MAX_LABELS:
        failing += f" and {len(labels) - MAX_LABELS} more"
    return f"VERDICT: {verdict}" + (f" ({failing})" if failing else "")


def _reason_label(reason: str) -> str:
    """The verdict line's short form: the item's label for a failed or not-run blocker, else the reason."""
    for prefix in ("blocker failed: ", "blocker not run: "):
        if reason.startswith(prefix):
            return reason.removeprefix(prefix).split(": ", 1)[0]
    return reason


class _LastLine:
    """Writes the verdict line after pytest's own closing lines (the short test summary, ``== 2 failed in 3s
    ==``), when pytest unconfigures: the last line a user sees is the verdict."""

    name = "golive-verdict-line"

    def __init__(self, tr: Terminal, line: str, markup: dict[str, bool]) -> None:
        self.tr, self.line, self.markup = tr, line, markup

    def pytest_unconfigure(self) -> None:
        self.tr.write_line(self.line, **self.markup)
