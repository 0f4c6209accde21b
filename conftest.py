"""The team's own place in a checkout: fixtures, checklist items' helpers and ``pytest_golive_*`` hooks.

pytest reads this file for every run inside the checkout (``pytest -m golive checks/``, ``golive run``,
``make test``). It does one thing of its own: it makes sure the golive plugin is loaded exactly once, whether
the package is installed (then pytest already loaded it through its ``pytest11`` entry point) or not (a bare
checkout, or ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``: then it is registered here, from this checkout).

Add below what your team needs, for example:

    @pytest.fixture
    def search_api(qdrant):                       # a fixture every check can ask for
        return MySearchApi(qdrant.url)

    def pytest_golive_run_finished(record, run_dir):   # a hook of golive/hookspec.py
        notify_channel(f"{record.env}: {record.verdict}")

Checklist items themselves go in ``checks/test_<area>.py`` (see checks/README.md); fixtures shared only by
the checklist in ``checks/conftest.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("golive") is None:  # not installed: use the package in this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent))

PLUGIN = "golive.plugin"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the plugin unless its entry point did (under the name ``golive``) or ``-p no:golive`` blocks it."""
    if pluginmanager.has_plugin("golive") or pluginmanager.is_blocked("golive") or pluginmanager.has_plugin(PLUGIN):
        return
    pluginmanager.register(importlib.import_module(PLUGIN), "golive")
