"""The plugin refuses bad check markers (exit 4) and bad configs (exit 7) before any check runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., pytest.RunResult]

CHECK_THAT_LEAVES_A_TRACE = '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo(golive_config):
    """The demo item holds."""
    open("check-ran", "w").close()
'''


def assert_stopped_before_any_check(pytester: pytest.Pytester, result: pytest.RunResult, reports: Path) -> None:
    output = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in output
    assert not (pytester.path / "check-ran").exists()
    assert not reports.exists()
    assert not [line for line in result.outlines if line.startswith("VERDICT")]


@pytest.mark.parametrize(
    ("marker", "problem"),
    [
        ("", 'a golive item needs @pytest.mark.check("GL-AREA-NNN", severity="blocker"|"warning")'),
        ('@pytest.mark.check("SEC-1")', "check id 'SEC-1' is not of the form GL-AREA-NNN (e.g. GL-SEC-002)"),
        ("@pytest.mark.check()", "check id None is not of the form GL-AREA-NNN (e.g. GL-SEC-002)"),
        (
            '@pytest.mark.check("GL-SEC-001", severity="critical")',
            "severity 'critical' of GL-SEC-001 is not one of: blocker, warning",
        ),
        (
            '@pytest.mark.check("GL-SEC-001", "blocker", "extra")',
            "unexpected check marker arguments ['extra']: takes (id, severity=)",
        ),
        (
            '@pytest.mark.check("GL-SEC-001", severity="blocker", owner="sre")',
            "unexpected check marker arguments {'owner': 'sre'}: takes (id, severity=)",
        ),
    ],
    ids=["missing", "bad-id", "no-id", "bad-severity", "extra-arg", "extra-kwarg"],
)
def test_bad_check_marker_is_a_usage_error(
    pytester: pytest.Pytester, run: Run, reports: Path, marker: str, problem: str
) -> None:
    pytester.makepyfile(
        test_demo=f'''
import pytest


@pytest.mark.golive
{marker}
def test_claim():
    """A claim."""
    open("check-ran", "w").close()
'''
    )
    result = run()
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: golive: bad check markers:", f"  test_demo.py::test_claim: {problem}"])
    assert_stopped_before_any_check(pytester, result, reports)


def test_every_bad_marker_is_listed_at_once(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo="""
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("SEC-1")
def test_one():
    pass


def test_two():
    pass
"""
    )
    result = run()
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: golive: bad check markers:", "  test_demo.py::test_one: *", "  test_demo.py::test_two: *"]
    )


def test_same_id_on_two_functions_is_a_usage_error(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-SEC-001", severity="blocker")
@pytest.mark.parametrize("port", [6333, 6334])
def test_port_is_closed(port):
    """The port is closed."""


@pytest.mark.check("GL-SEC-001", severity="blocker")
def test_key_is_required():
    """Writes need a key."""
''',
        test_other="""
import pytest


class TestSecurity:
    @pytest.mark.golive
    @pytest.mark.check("GL-SEC-009")
    def test_claim(self):
        pass


class TestMore:
    @pytest.mark.golive
    @pytest.mark.check("GL-SEC-009")
    def test_claim(self):
        pass
""",
    )
    result = run()
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [
            "ERROR: golive: bad check markers:",
            "  test_demo.py::test_key_is_required: check id GL-SEC-001 is already used by "
            "test_demo.py::test_port_is_closed",
            "  test_other.py::TestMore::test_claim: check id GL-SEC-009 is already used by "
            "test_other.py::TestSecurity::test_claim",
        ]
    )
    assert "test_port_is_closed[6334]" not in result.stderr.str()  # one function, parametrized: one owner
    assert_stopped_before_any_check(pytester, result, reports)


def test_markers_are_registered_for_strict_markers(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run("--strict-markers")
    assert result.ret == 0


@pytest.mark.parametrize("subprocess", [False, True], ids=["in-process", "subprocess"])
def test_bad_config_stops_with_exit_7(
    pytester: pytest.Pytester, run: Run, reports: Path, golive_yaml: Callable[..., Path], subprocess: bool
) -> None:
    config = golive_yaml(text="target: {url: 'http://127.0.0.1:1', timeout: soon}\nhosts: [{spec: qdrant-1}]\n")
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run(subprocess=subprocess)
    assert result.ret == 7
    result.stdout.fnmatch_lines(
        [
            f"golive: config error in {config}:",
            "  target.timeout: expected a duration such as 250ms, 5s, 10m or 26h, got 'soon'",
            "  hosts[[]0].spec: expected a testinfra host spec such as local:// or ssh://user@host, got 'qdrant-1'*",
            "golive: stopped before any check ran (exit code 7)",
        ]
    )
    assert_stopped_before_any_check(pytester, result, reports)


def test_secret_in_config_stops_with_exit_7_without_echoing_it(
    pytester: pytest.Pytester, run: Run, reports: Path, golive_yaml: Callable[..., Path]
) -> None:
    config = golive_yaml(text="target: {url: 'http://127.0.0.1:1', api_key: hunter2-hunter2}\n")
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run(subprocess=True)
    assert result.ret == 7
    result.stdout.fnmatch_lines([f"golive: config error in {config}:", "  target.api_key: a secret written into*"])
    assert "hunter2" not in result.stdout.str() + result.stderr.str()
    assert_stopped_before_any_check(pytester, result, reports)


def test_missing_config_file_stops_with_exit_7(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run(config=pytester.path / "nope.yaml")
    assert result.ret == 7
    result.stdout.fnmatch_lines(
        [f"golive: config error in {pytester.path / 'nope.yaml'}:", "  (top level): file not found (create it*"]
    )
    assert_stopped_before_any_check(pytester, result, reports)


def test_default_sandbox_config_is_looked_up_when_checks_are_collected(
    pytester: pytest.Pytester, run: Run, reports: Path
) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run(config=None)
    assert result.ret == 7
    result.stdout.fnmatch_lines(
        [f"golive: config error in {pytester.path / 'config' / 'sandbox.yaml'}:", "  (top level): file not found*"]
    )
    assert_stopped_before_any_check(pytester, result, reports)


def test_bad_golive_env_name_stops_with_exit_7(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run("--golive-env=../prod", config=None)
    assert result.ret == 7
    result.stdout.fnmatch_lines(
        [
            "golive: config error in '../prod':",
            "  (top level): an environment name starts with a letter or digit*",
        ]
    )
    assert_stopped_before_any_check(pytester, result, reports)


def test_a_run_id_that_would_leave_reports_is_a_usage_error(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run("--golive-run-id=../../escaped")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--golive-run-id: a run id is 1-64 letters, digits and '-'*got '../../escaped'*"])
    assert not (reports.parent / "escaped").exists()


@pytest.mark.parametrize("reserved", ["latest", "benchmarks"])
def test_reserved_run_ids_are_a_usage_error(pytester: pytest.Pytester, run: Run, reserved: str) -> None:
    pytester.makepyfile(CHECK_THAT_LEAVES_A_TRACE)
    result = run(f"--golive-run-id={reserved}")
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*--golive-run-id: '{reserved}' is reserved under reports/<env>/*"])


@pytest.mark.parametrize("option", ["--golive-config", "--golive-reports"])
def test_a_path_option_with_a_space_stops_at_once_with_one_line(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory, option: str
) -> None:
    """Issue 9.5: `--golive-config PATH` outside the checkout moved the rootdir: 473 items, 12 errors, exit 2."""
    outside = tmp_path_factory.mktemp("elsewhere") / "env.yaml"
    outside.write_text("collections: []\n", encoding="utf-8")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess(option, str(outside), "-p", "no:cacheprovider")
    assert result.ret == 4
    lines = [line for line in result.stderr.lines + result.stdout.lines if line.strip()]
    assert lines == [f"ERROR: write {option}={outside} (with '='): with a space pytest takes {outside} for a test path"]
