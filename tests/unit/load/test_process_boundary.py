"""The load engine's process boundary: only ``golive/load/generator/`` imports gevent or locust.

gevent's monkey-patching must never reach the pytest or CLI process that drives a run, so the driver side
(everything in ``golive/`` outside the generator package) imports neither, nor the generator package itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import golive

PACKAGE = Path(golive.__file__).resolve().parent
GENERATOR = PACKAGE / "load" / "generator"
GENERATOR_ONLY = ("gevent", "locust", "golive.load.generator")


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import statement in the file, nested ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _generator_only(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in GENERATOR_ONLY)


def _driver_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if GENERATOR not in p.parents)


def test_the_scan_sees_the_driver_side_and_would_catch_an_import():
    names = {p.relative_to(PACKAGE).as_posix() for p in _driver_modules()}
    assert {"load/runner.py", "load/judge.py", "load/results.py", "load/gating.py"} <= names
    assert not any(n.startswith("load/generator/") for n in names)
    engine = [m for _, m in _imports(GENERATOR / "engine.py")]
    assert any(_generator_only(m) for m in engine)  # the scan finds the imports inside main()
    assert _generator_only("locust.runners")
    assert _generator_only("golive.load.generator.user")
    assert not _generator_only("golive.load.generators_elsewhere")
    assert not _generator_only("geventhttp")


def test_no_driver_module_imports_gevent_locust_or_the_generator():
    offending = [
        f"{path.relative_to(PACKAGE)}:{line}: {module}"
        for path in _driver_modules()
        for line, module in _imports(path)
        if _generator_only(module)
    ]
    assert offending == [], "the driver side must not import the generator side:\n" + "\n".join(offending)


def test_importing_every_driver_module_loads_neither_gevent_nor_locust():
    """Transitively too: a third-party import on the driver side that pulled in gevent would show here."""
    modules = [
        "golive." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for p in _driver_modules()
        if p.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gevent', 'locust')"
        " or m.startswith('golive.load.generator')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_generators_pure_modules_load_without_locust():
    """The suite's own tests import the schedule, recorder and raw HTTP client in the pytest process: the
    generator package's ``__init__`` must not drag locust (and its monkey-patching) in with them."""
    code = (
        "import sys\n"
        "import golive.load.generator.schedule, golive.load.generator.recorder, golive.load.generator.rawhttp\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gevent', 'locust')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout
