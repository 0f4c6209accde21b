"""``golive load run`` end to end: progress once a second, the judged gates, evidence, the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_golive_load_run_prints_progress_judges_and_exits_no_go_on_errors(sandbox_faults, tmp_path: Path):
    sandbox_faults.set_faults(error_rate=0.3, paths=["/collections/faq/points/query"])
    config = {
        "target": {"url": sandbox_faults.url, "grpc_port": None},
        "thresholds": {"gates": ["p95 < 500ms", "errors < 1%"]},
        "load": {"collection": "faq", "schedule_tolerance": "10ms", "max_behind": "10%", "max_generator_cpu": "95%"},
        "allow": {"full_load": True},
    }
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "evidence"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "load", "run", f"--config={path}", "--rate=80/s", "--duration=3s",
         "--warmup=1s", f"--out={out}"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert sum(" steady " in line and "/s ok" in line for line in lines) >= 2
    assert any(line.startswith("  PASS  p95 < 500ms: measured") for line in lines)
    assert any(line.startswith("  FAIL  errors < 1%: measured") for line in lines)
    assert lines[-1] == "NO-GO"
    assert (out / "result.json").exists()
    assert (out / "result-series.csv").exists()


def test_golive_load_run_with_an_unknown_collection_is_a_usage_error_naming_it_and_the_choices(stub, tmp_path: Path):
    url = stub()
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump({"target": {"url": url, "grpc_port": None}, "allow": {"full_load": True}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "load", "run", f"--config={path}", "--collection=nope", "--rate=10/s",
         "--duration=1s", f"--out={tmp_path / 'evidence'}"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "unknown collection 'nope' (--collection or load.collection): the target has stub" in proc.stdout
    assert not (tmp_path / "evidence").exists()


def test_golive_load_run_with_a_vector_the_collection_lacks_is_a_usage_error_naming_it(sandbox_faults, tmp_path: Path):
    config = {"target": {"url": sandbox_faults.url, "grpc_port": None}, "allow": {"full_load": True},
              "load": {"collection": "hybrid_articles", "vector": "text"}}  # fmt: skip
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "QDRANT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "load", "run", f"--config={path}", "--rate=10/s", "--duration=1s",
         f"--out={tmp_path / 'evidence'}"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert (
        "--vector or load.vector: collection 'hybrid_articles' has no dense vector 'text' (it has ['dense', 'title'])"
        in proc.stdout
    )
    assert not (tmp_path / "evidence").exists()
