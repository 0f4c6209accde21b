"""Scratch checks run through the real plugin with pytester, against a config whose target never answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpcore
import pytest

# pytester's in-process runs drop the modules first imported inside them, and httpx maps httpcore's exceptions by
# class: imported out here, httpcore stays the same module for every run (else: an unmapped httpcore.ConnectError).
assert httpcore

SCRATCH_CONFIG = """\
target:
  url: http://127.0.0.1:1
  timeout: 1s
  connect_timeout: 1s
collections: []
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's GOLIVE_* and key variables must not leak into the scratch runs."""
    for name in (
        "GOLIVE_ENV",
        "GOLIVE_CONFIG",
        "GOLIVE_CONFIG_DIR",
        "GOLIVE_TARGET_URL",
        "GOLIVE_REPORTS",
        "QDRANT_API_KEY",
        "QDRANT_READ_ONLY_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def reports(pytester: pytest.Pytester) -> Path:
    return pytester.path / "out"


@pytest.fixture
def golive_yaml(pytester: pytest.Pytester) -> Callable[..., Path]:
    """Write ``scratch.yaml`` (env ``scratch``): the scratch config plus ``extra`` YAML."""

    def write(extra: str = "", *, text: str | None = None) -> Path:
        body = SCRATCH_CONFIG + extra if text is None else text
        return pytester.makefile(".yaml", scratch=body)

    return write


@pytest.fixture
def run(pytester: pytest.Pytester, golive_yaml: Callable[..., Path], reports: Path) -> Callable[..., Any]:
    """Run pytest on the scratch files with the scratch config; ``config=None`` leaves the options out."""

    def go(*args: str, config: Path | bool | None = True, subprocess: bool = False) -> pytest.RunResult:
        options = [f"--golive-reports={reports}", "-p", "no:cacheprovider"]
        if config is True:
            config = pytester.path / "scratch.yaml"
            if not config.exists():
                golive_yaml()
        if config:
            options.append(f"--golive-config={config}")
        runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
        return runner(*options, *args)

    return go
