"""GL-HEALTH-005's probe reads Qdrant's issue records (``code``, ``solution`` as Qdrant serialises it)."""

from __future__ import annotations

from golive.probes.telemetry import qdrant_issues


class _Target:
    def __init__(self, result: object) -> None:
        self._result = result

    def result(self, path: str) -> object:
        assert path == "/issues"
        return self._result


def test_issues_probe_reads_qdrants_issue_records() -> None:
    action = {"method": "PUT", "uri": "/collections/docs/index", "body": {"field_name": "k"}}
    records = {
        "issues": [
            {
                "code": "docs/unindexed/k",
                "description": "d1",
                "solution": {"Immediate": {"message": "index k", "action": action}},
            },
            {"code": "too_many", "description": "d2", "solution": {"Refactor": "merge them"}},
            {
                "code": "choice",
                "description": "d3",
                "solution": {"ImmediateChoice": [{"message": "a"}, {"message": "b"}]},
            },
            {"code": "none", "description": "d4", "solution": "None"},
            {"id": "older", "description": "d5", "solution": "plain"},
        ]
    }
    issues = qdrant_issues(_Target(records))  # type: ignore[arg-type]
    assert [(i.id, i.solution) for i in issues] == [
        ("docs/unindexed/k", "index k"),
        ("too_many", "merge them"),
        ("choice", "a | b"),
        ("none", ""),
        ("older", "plain"),
    ]
