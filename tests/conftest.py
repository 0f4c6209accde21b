"""Shared by all of the suite's own tests. Kept tiny: layer-specific fixtures live in each layer's conftest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/support/ is imported as ``support`` by the folders' conftests; pytest's default (prepend) import mode
# puts this folder on sys.path already, this keeps it so under --import-mode=importlib too
TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

pytest_plugins = ["pytester"]  # here, not in tests/plugin/: pytest refuses pytest_plugins in a nested conftest


def pytest_configure(config: pytest.Config) -> None:
    # Warnings are errors in our own tests only; checks/ run against production without this.
    config.addinivalue_line("filterwarnings", "error")
