"""What Qdrant says about itself: ``GET /issues`` (its own warnings) and ``GET /telemetry`` (kept as evidence).

``qdrant_issues(target)`` -> ``[Issue("too_many_collections", "..."), ...]``;
``save_telemetry(target, run_dir)`` writes ``telemetry.json`` into the run folder (the run record lists it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from golive.errors import TargetError
from golive.target import Target

TELEMETRY_FILE = "telemetry.json"


@dataclass(frozen=True)
class Issue:
    id: str
    description: str
    solution: str = ""

    def __str__(self) -> str:
        return f"{self.id}: {self.description}" + (f" (solution: {self.solution})" if self.solution else "")


def qdrant_issues(target: Target) -> list[Issue]:
    """Qdrant's issue records: ``code``, ``description``, ``solution`` (``{"Refactor": text}``,
    ``{"Immediate": {"message", "action"}}``, ``{"ImmediateChoice": [...]}`` or ``"None"``)."""
    result = target.result("/issues") or {}
    return [
        Issue(str(i.get("code", i.get("id", "?"))), str(i.get("description", "")), solution_text(i.get("solution")))
        for i in result.get("issues", [])
        if isinstance(i, dict)
    ]


def solution_text(solution: object) -> str:
    """The human part of an issue's solution: the refactoring advice or the immediate actions' messages."""
    if isinstance(solution, str):
        return "" if solution == "None" else solution
    if not isinstance(solution, dict) or len(solution) != 1:
        return ""
    kind, value = next(iter(solution.items()))
    if kind == "Refactor":
        return str(value)
    choices = value if kind == "ImmediateChoice" and isinstance(value, list) else [value]
    return " | ".join(str(c.get("message", "")) for c in choices if isinstance(c, dict))


def save_telemetry(target: Target, run_dir: Path, details_level: int = 1) -> Path:
    """``GET /telemetry?details_level=N`` into ``run_dir/telemetry.json``; an error is recorded in its place.
    The keys in use are redacted from it."""
    path = run_dir / TELEMETRY_FILE
    document: dict[str, object] = {"details_level": details_level}
    try:
        document["telemetry"] = target.result(f"/telemetry?details_level={details_level}")
    except TargetError as err:
        document["error"] = str(err)
    text = json.dumps(document, indent=2, sort_keys=True)
    for secret in target.secrets:
        text = text.replace(secret, "***")
    path.write_text(text, encoding="utf-8")
    return path
