"""The shipped sandbox config's dependency entry (the sandbox's own /healthz, `${target}/healthz`) against a
real sandbox: it passes when healthy and fails its own item when the sandbox answers slowly or hangs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from golive.sandbox.testing import running_sandbox

from .conftest import REPO, run_dependency_checks

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_shipped_sandbox_dependency_passes_and_fails_for_its_own_reason(tmp_path: Path) -> None:
    entries = yaml.safe_load((REPO / "config" / "sandbox.yaml").read_text(encoding="utf-8"))["dependencies"]
    # the other entry is the demo's Prometheus, which `golive run` starts (tests/integration/security)
    assert [d["kind"] for d in entries] == ["http", "prometheus"]
    shipped = [d for d in entries if d["kind"] == "http"]
    assert [d["url"] for d in shipped] == ["${target}/healthz"]
    with running_sandbox(tmp_path / "data", demo=False) as sandbox:
        healthy = run_dependency_checks(tmp_path / "healthy", shipped, target=sandbox.url)
        sandbox.set_faults(latency_ms=1200, paths=["/healthz"])
        slow = run_dependency_checks(tmp_path / "slow", shipped, target=sandbox.url)
        sandbox.set_faults(latency_ms=0, hang=True)
        hanging = run_dependency_checks(tmp_path / "hang", shipped, target=sandbox.url)
    assert (healthy.code, healthy.verdict) == (0, "GO"), healthy.output[-3000:]
    assert healthy.labels("passed") == {"GL-DEP-020[sandbox-health]", "GL-NET-001[sandbox-health]"}
    assert healthy.check("GL-DEP-020[sandbox-health]")["properties"]["dependency"]["url"] == f"{sandbox.url}/healthz"
    assert slow.failed == {"GL-DEP-020[sandbox-health]"}, slow.output[-3000:]
    assert "answered in 1." in slow.message("GL-DEP-020[sandbox-health]")
    assert "(expected within 1.00 s)" in slow.message("GL-DEP-020[sandbox-health]")
    assert hanging.failed == {"GL-DEP-020[sandbox-health]"}, hanging.output[-3000:]
    assert "timed out after 2 s" in hanging.message("GL-DEP-020[sandbox-health]")
    assert hanging.check("GL-DEP-020[sandbox-health]")["duration"] < 3.5
