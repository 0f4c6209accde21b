"""The release's HTML page: the steps as a timeline with their outcomes, linking each step's checklist report
and hook log; one file beside ``release.json``, styled with the run report's CSS.

    write_page(json.loads((release_dir / "release.json").read_text()), release_dir / "release.html")
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("golive.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
BANNERS = {0: "go", 9: "inconclusive", 6: "inconclusive"}


def _step(step: dict[str, Any]) -> dict[str, Any]:
    report = step.get("report")
    link: str | None
    text: str | None
    if report and not report.startswith("releases/"):
        link, text = f"../../{report}/report.html", f"checklist report {report}"
    elif report:
        link, text = f"../../{report}", Path(report).name
    else:
        link, text = None, None
    klass = "ok" if step["outcome"] == "ok" else "skip" if step["outcome"] == "skipped" else "bad"
    when = dt.datetime.fromtimestamp(step["started"], dt.UTC).strftime("%H:%M:%S UTC")
    return {**step, "link": link, "link_text": text, "klass": klass, "when": when}


def write_page(record: dict[str, Any], path: Path) -> Path:
    steps = [_step(s) for s in record["steps"]]
    first = None
    if record["exit_code"] == 10:  # rollback failed: the step that failed is said first
        first = next(
            (
                s
                for s in steps
                if s["name"].startswith(("rollback", "wait_healthy_after", "post_rollback")) and s["outcome"] != "ok"
            ),
            None,
        )
    html = _ENV.get_template("release.html.j2").render(
        r=record, steps=steps, banner=BANNERS.get(record["exit_code"], "nogo"), first_failure=first
    )
    path.write_text(html, encoding="utf-8")
    return path
