"""The go-live list an approver knows (the seed's ten lines) mapped to the checklist ids that prove each one.

A line is ticked only when every item proving it ran and passed; a line with no item in the run says so.
"""

from __future__ import annotations

from typing import Any

# (the line as the approver reads it, the id prefixes of the items that prove it)
GOLIVE_LINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Qdrant is up, healthy, ready, at the expected version", ("GL-HEALTH-",)),
    ("System resources (CPU, memory, disk, limits) have headroom", ("GL-SYS-",)),
    ("The service runs as intended (process, user, ports, config, unit)", ("GL-SVC-",)),
    ("Every expected collection exists as configured, green and indexed", ("GL-COL-",)),
    ("Data can be written, read back and deleted", ("GL-DATA-",)),
    ("Search quality holds (recall of HNSW against exact search)", ("GL-QUAL-", "GL-RECALL-", "GL-SEARCH-")),
    ("Backups are taken, downloadable and restorable", ("GL-BAK-", "GL-SNAP-", "GL-BACKUP-")),
    ("Security: API keys, read-only key, TLS and exposure as claimed", ("GL-SEC-",)),
    ("Monitoring and dependencies are in place and reachable", ("GL-MON-", "GL-DEP-")),
    ("Performance: load gates and single-request baselines hold", ("GL-PERF-",)),
)


def lines(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each line with its item labels and a state: proven, not proven (with the bad ones), waived, no items."""
    out = []
    for text, prefixes in GOLIVE_LINES:
        items = [c for c in checks if str(c["id"]).startswith(prefixes)]
        bad = [c["label"] for c in items if c["outcome"] != "passed" and c["outcome"] != "waived"]
        waived = [c["label"] for c in items if c["outcome"] == "waived"]
        if not items:
            state = "none"
        elif bad:
            state = "open"
        elif waived:
            state = "waived"
        else:
            state = "proven"
        ids = sorted({c["id"] for c in items})
        out.append({"text": text, "ids": ids, "state": state, "bad": bad, "waived": waived, "count": len(items)})
    return out
