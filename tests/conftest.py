"""Shared by all of the suite's own tests. Kept tiny: layer-specific fixtures live in each layer's conftest."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]  # here, not in tests/plugin/: pytest refuses pytest_plugins in a nested conftest


def pytest_configure(config: pytest.Config) -> None:
    # Warnings are errors in our own tests only; checks/ run against production without this.
    config.addinivalue_line("filterwarnings", "error")
