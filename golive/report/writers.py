"""Every writer of a finished run, in one place: called once ``summary.json`` is written.

    written, problems = write_all(run_dir, secrets=secrets, pushgateway_url=url)

A writer that fails is reported (``problems``), never allowed to change the verdict or lose the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from golive.report import allure_results, history, html, junit, prometheus
from golive.report.evidence import read_summary


def write_all(
    run_dir: Path, *, secrets: Iterable[str] = (), pushgateway_url: str | None = None, push_timeout: float = 5.0
) -> tuple[dict[str, Path | str], list[str]]:
    """History line, JUnit XML, Prometheus textfile, then the HTML (which links them), then the optional push."""
    summary = read_summary(run_dir)
    written: dict[str, Path | str] = {}
    problems: list[str] = []
    steps: tuple[tuple[str, Callable[[], Path]], ...] = (
        ("history", lambda: history.append(run_dir, summary)),
        ("junit", lambda: junit.write(run_dir, summary)),
        ("metrics", lambda: prometheus.write(run_dir, summary)),
        ("allure", lambda: allure_results.finish(run_dir, summary) or run_dir),
        ("report", lambda: html.write(run_dir, secrets)),
    )
    for name, step in steps:
        try:
            written[name] = step()
        except Exception as err:  # one broken writer must not cost the others
            problems.append(f"{name} not written: {type(err).__name__}: {err}")
    if pushgateway_url:
        try:
            prometheus.push(pushgateway_url, summary, run_dir, timeout=push_timeout)
            written["pushed"] = pushgateway_url
        except prometheus.PushError as err:
            problems.append(str(err))
    return written, problems
