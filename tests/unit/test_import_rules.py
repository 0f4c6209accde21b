"""The arrows between golive's modules go one way (DESIGN.md, "The arrows go one way"); read from the source.

Every ``import`` in every module of golive/ (also the ones inside functions) is checked against the rules:
the leaves import nothing of golive; the areas (target, verdict, probes, load, report, release, sandbox) never
import the config assembly, the session, the CLI or the plugin; nothing imports the plugin or checks/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "golive"

LEAVES = {"golive.fields": set(), "golive.errors": set(), "golive.protocol": {"golive.errors"}}
ENTRY_POINTS = (
    "golive.plugin",
    "golive.plugin_relay",
    "golive.cli",
    "golive.session",
    "golive.config",
    "golive.hookspec",
)
AREAS = (
    "golive.target",
    "golive.verdict",
    "golive.outcomes",
    "golive.waiting",
    "golive.probes",
    "golive.load",
    "golive.report",
    "golive.release",
    "golive.sandbox",
)
# what an area may never import: the whole-config readers above it
ABOVE_THE_AREAS = ("golive.config", "golive.session", "golive.cli", "golive.plugin", "golive.hookspec")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, absolute (``from golive.x import y`` counts as golive.x and golive.x.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import of {node.module}; golive uses absolute imports"
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _within(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def violations(modules: dict[str, set[str]]) -> list[str]:
    """Every arrow against the rules, as ``importer -> imported: rule``."""
    found = []
    for module, imports in sorted(modules.items()):
        ours = {i for i in imports if _within(i, ("golive",)) and i != "golive"}
        for imported in sorted(ours):
            if _within(imported, ("golive.plugin",)) and module != "golive.plugin":
                found.append(f"{module} -> {imported}: nothing in golive/ imports the plugin")
            if module in LEAVES and not _within(imported, LEAVES[module]):
                found.append(f"{module} -> {imported}: a leaf imports nothing of golive")
            if _within(module, AREAS) and _within(imported, ABOVE_THE_AREAS):
                found.append(f"{module} -> {imported}: an area never imports the config assembly or an entry point")
        for imported in sorted(imports):
            if _within(imported, ("checks", "tests", "loadtests")):
                found.append(f"{module} -> {imported}: nothing in golive/ imports checks/ or the suite's tests")
    return found


def test_every_module_of_golive_is_read() -> None:
    assert {"golive.plugin", "golive.session", "golive.config", "golive.fields", "golive.target"} <= MODULES.keys()
    assert all(_within(m, AREAS + ENTRY_POINTS + tuple(LEAVES) + ("golive",)) for m in MODULES), sorted(MODULES)


def test_imports_follow_the_arrows() -> None:
    assert violations(MODULES) == []


@pytest.mark.parametrize(
    ("module", "imported", "rule"),
    [
        ("golive.target", "golive.config", "an area never imports the config assembly"),
        ("golive.load.runner", "golive.config.settings.Settings", "an area never imports the config assembly"),
        ("golive.probes.health", "golive.session", "an area never imports the config assembly"),
        ("golive.report.summary", "golive.plugin.SESSION_KEY", "nothing in golive/ imports the plugin"),
        ("golive.session", "golive.plugin", "nothing in golive/ imports the plugin"),
        ("golive.fields", "golive.errors", "a leaf imports nothing of golive"),
        ("golive.verdict", "checks.conftest", "nothing in golive/ imports checks/"),
    ],
)
def test_an_arrow_against_the_rules_is_caught(module: str, imported: str, rule: str) -> None:
    found = violations({module: {imported, imported.rsplit(".", 1)[0]}})
    assert any(rule in line for line in found), found


def test_the_entry_points_may_read_the_whole_config() -> None:
    assert violations({"golive.cli.load": {"golive.config", "golive.session", "golive.load.runner"}}) == []


@pytest.mark.parametrize("folder", ["checks", "loadtests"])
def test_checks_and_scenarios_use_fixtures_not_plugin_internals(folder: str) -> None:
    """A checklist file or a scenario asks for fixtures (or implements a pytest_golive_* hook); it never reaches
    into the plugin or the session for their state."""
    root = PACKAGE.parent / folder
    found = [
        f"{path.relative_to(root.parent)} -> {imported}"
        for path in sorted(root.rglob("*.py"))
        for imported in sorted(_imports(path))
        if _within(imported, ("golive.plugin", "golive.session"))
    ]
    assert found == []
