"""allure results of a run under ``<run_dir>/allure-results`` (allure-pytest), with golive's labels, evidence
attachments, ``environment.properties`` and ``categories.json``.

During the run (called from the plugin):
    start(config, run_dir / "allure-results")   # unless --alluredir was given: then allure writes there
    labels(item_marker_args) -> markers         # id, severity, epic/feature (area), the golive label
    during_call(check_id, run_dir, params, id)  # the parameter as its id; load evidence on the load gates
After it (a writer, from the run record):
    finish(run_dir, summary)                    # environment, categories, waived/inconclusive marked
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

RESULTS = "allure-results"
GOLIVE_LABEL = "golive_label"  # the item's label (GL-COL-003[faq]): how the writer finds it again
SEVERITY = {"blocker": "blocker", "warning": "normal"}
CATEGORIES = [
    {"name": "Waived (a known failure, accepted until its waiver expires)", "matchedStatuses": ["skipped"],
     "messageRegex": "WAIVED.*"},
    {"name": "Blocker not run (no waiver names it)", "matchedStatuses": ["skipped"], "messageRegex": "NOT RUN.*"},
    {"name": "Untrusted measurement (INCONCLUSIVE)", "matchedStatuses": ["failed", "broken"],
     "messageRegex": "INCONCLUSIVE.*"},
    {"name": "Target unreachable", "matchedStatuses": ["failed", "broken"],
     "messageRegex": ".*(connection refused to|no answer from|could not connect to|unreachable).*"},
    {"name": "Check failed (observed differs from expected)", "matchedStatuses": ["failed"]},
    {"name": "Check broken (an error outside the assertion)", "matchedStatuses": ["broken"]},
]  # fmt: skip


def start(config: pytest.Config, results_dir: Path) -> bool:
    """Have allure-pytest write this session's results to ``results_dir``, as ``--alluredir`` would.
    Returns False when allure-pytest is absent or the user chose their own ``--alluredir``."""
    try:
        import allure_commons
        from allure_commons.logger import AllureFileLogger
        from allure_pytest.listener import AllureListener
        from allure_pytest.plugin import cleanup_factory
    except ImportError:
        return False
    if not hasattr(config.option, "allure_report_dir"):
        return False  # allure-pytest's plugin is not loaded (-p no:allure_pytest, no plugin autoload)
    if config.option.allure_report_dir or config.pluginmanager.has_plugin("allure_listener"):
        return False
    results_dir.mkdir(parents=True, exist_ok=True)
    listener = AllureListener(config)
    config.pluginmanager.register(listener, "allure_listener")
    allure_commons.plugin_manager.register(listener)
    config.add_cleanup(cleanup_factory(listener))
    logger = AllureFileLogger(os.fspath(results_dir), True)  # type: ignore[no-untyped-call]
    allure_commons.plugin_manager.register(logger)
    config.add_cleanup(cleanup_factory(logger))
    return True


def markers(check_id: str, severity: str, area: str, label: str) -> list[pytest.MarkDecorator]:
    """allure-pytest's label markers for one checklist item."""
    mark = pytest.mark.allure_label
    return [
        mark(check_id, label_type="as_id"),
        mark(SEVERITY.get(severity, "normal"), label_type="severity"),
        mark("qdrant go-live checklist", label_type="epic"),
        mark(area, label_type="feature"),
        mark(severity, label_type="tag"),
        mark(label, label_type=GOLIVE_LABEL),
    ]


def during_call(check_id: str, run_dir: Path, params: dict[str, object], param_id: str | None) -> None:
    """While the item runs (no-op when allure is not writing): a single parameter shown as the item's id
    (``p95 < 10ms``, not the object's repr), and the load run's evidence on each load gate."""
    import allure

    if param_id is not None and len(params) == 1:
        allure.dynamic.parameter(next(iter(params)), param_id)
    if not check_id.startswith("GL-PERF-00"):
        return

    for name, kind in (("result.json", allure.attachment_type.JSON), ("result-series.csv", allure.attachment_type.CSV)):
        path = run_dir / "load" / name
        if path.exists():
            allure.attach.file(os.fspath(path), name=f"load {name}", attachment_type=kind)  # type: ignore[no-untyped-call]


def finish(run_dir: Path, summary: dict[str, Any]) -> Path | None:
    """environment.properties and categories.json; waived, not-run and inconclusive items marked as such."""
    results = run_dir / RESULTS
    if not results.is_dir():
        return None
    target = summary.get("target") or {}
    server = target.get("server") or {}
    env = {
        "golive.env": summary.get("env"),
        "golive.verdict": summary.get("verdict"),
        "golive.run_id": summary.get("run_id"),
        "target.url": target.get("url"),
        "target.sandbox": str(bool(target.get("sandbox"))).lower(),
        "server.version": server.get("version"),
        "suite.version": summary.get("suite_version"),
        "config": summary.get("config"),
    }
    lines = [f"{k}={_escape(str(v))}" for k, v in env.items() if v is not None]
    (results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results / "categories.json").write_text(json.dumps(CATEGORIES, indent=1), encoding="utf-8")
    by_label = {c["label"]: c for c in summary.get("checks", [])}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        label = next((x["value"] for x in data.get("labels", []) if x.get("name") == GOLIVE_LABEL), None)
        check = by_label.get(str(label))
        if check is None or check["outcome"] not in ("waived", "inconclusive", "skipped"):
            continue
        details = data.setdefault("statusDetails", {})
        if check["outcome"] == "waived":
            w = check.get("waiver") or {}
            details["message"] = f"WAIVED until {w.get('expires')} by {w.get('approver')}: {w.get('reason')}\n" + str(
                check.get("message") or ""
            )
            data["status"] = "skipped"
        elif check["outcome"] == "inconclusive":
            details["message"] = f"INCONCLUSIVE: {check.get('message')}"
        elif check["severity"] == "blocker":
            details["message"] = f"NOT RUN (blocker, no waiver names it): {check.get('message')}"
        path.write_text(json.dumps(data), encoding="utf-8")
    return results


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ").replace("=", "\\=").replace(":", "\\:")
