"""``junit.xml``: the run as JUnit XML for CI systems, one testcase per checklist item.

Each testcase carries the check's id, severity, area and outcome as ``<properties>``; failed and errored items
are ``<failure>``/``<error>``, skipped items ``<skipped>`` with the reason, waived ones pass with a
``waiver`` property. Written from the summary alone (already redacted).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from golive.report.evidence import area_of


def build(summary: dict[str, Any]) -> ET.ElementTree[ET.Element]:
    checks = summary.get("checks", [])
    suites = ET.Element("testsuites", name=f"golive {summary.get('env', '')}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"golive.{summary.get('env', '')}",
        tests=str(len(checks)),
        failures=str(sum(c["outcome"] in ("failed", "inconclusive") for c in checks)),
        errors=str(sum(c["outcome"] == "error" for c in checks)),
        skipped=str(sum(c["outcome"] == "skipped" for c in checks)),
        time=f"{float(summary.get('duration') or 0):.3f}",
        timestamp=str(summary.get("started_at", "")),
    )
    props = ET.SubElement(suite, "properties")
    target = summary.get("target", {})
    for name, value in (
        ("verdict", summary.get("verdict")),
        ("run_id", summary.get("run_id")),
        ("target", target.get("url")),
        ("sandbox", str(bool(target.get("sandbox"))).lower()),
        *((f"reason.{i}", r) for i, r in enumerate(summary.get("reasons", []), 1)),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))
    for c in checks:
        nodeid = str(c.get("nodeid", ""))
        module = nodeid.split("::", 1)[0].removesuffix(".py").replace("/", ".")
        case = ET.SubElement(
            suite,
            "testcase",
            classname=module,
            name=f"{c['label']} {c.get('title', '')}".strip(),
            time=f"{float(c.get('duration') or 0):.3f}",
        )
        cprops = ET.SubElement(case, "properties")
        for name, value in (
            ("check_id", c["id"]),
            ("severity", c["severity"]),
            ("area", area_of(c)),
            ("outcome", c["outcome"]),
            ("param", c.get("param")),
            ("nodeid", nodeid),
        ):
            if value is not None:
                ET.SubElement(cprops, "property", name=name, value=str(value))
        waiver = c.get("waiver")
        if waiver:
            text = f"{waiver.get('reason')} (approved by {waiver.get('approver')}, expires {waiver.get('expires')})"
            ET.SubElement(cprops, "property", name="waiver", value=text)
        message = str(c.get("message") or "")
        first = message.splitlines()[0] if message else ""
        if c["outcome"] in ("failed", "inconclusive"):
            kind = "inconclusive" if c["outcome"] == "inconclusive" else "failed"
            ET.SubElement(case, "failure", message=first, type=kind).text = message
        elif c["outcome"] == "error":
            ET.SubElement(case, "error", message=first, type="error").text = message
        elif c["outcome"] == "skipped":
            ET.SubElement(case, "skipped", message=first)
    ET.indent(suites)
    return ET.ElementTree(suites)


def write(run_dir: Path, summary: dict[str, Any]) -> Path:
    path = run_dir / "junit.xml"
    build(summary).write(path, encoding="utf-8", xml_declaration=True)
    return path
