"""Shared by all of the suite's own tests. Kept tiny: layer-specific fixtures live in each layer's conftest."""

pytest_plugins = ["pytester"]  # here, not in tests/plugin/: pytest refuses pytest_plugins in a nested conftest
