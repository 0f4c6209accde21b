"""``golive load`` command line: usage errors exit 4 and name what was wrong, an unreachable target is NO-GO."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from golive.cli.load import main
from golive.outcomes import ExitCode


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump({"target": {"url": url, "grpc_port": None, "timeout": "2s"}}))
    return str(path)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--rate=fast", "argument --rate: invalid rate value: 'fast'"),
        ("--duration=soon", "argument --duration: invalid duration value: 'soon'"),
        ("--warmup=soon", "argument --warmup: invalid duration value: 'soon'"),
        ("--gate=p95 <", "argument --gate: invalid gate value: 'p95 <'"),
        ("--arrival=burst", "argument --arrival: invalid choice: 'burst'"),
        ("--no-such-option", "unrecognized arguments: --no-such-option"),
    ],
)
def test_usage_errors_exit_4_and_name_the_value(tmp_path, capsys, option, expected):
    code = main(["run", f"--config={_config(tmp_path, 'http://127.0.0.1:1')}", option])
    assert code == ExitCode.USAGE_ERROR == 4
    assert expected in capsys.readouterr().err


def test_no_subcommand_is_a_usage_error_not_exit_2(capsys):
    assert main([]) == 4
    assert "required" in capsys.readouterr().err


def test_an_unknown_scenario_is_a_usage_error_naming_it_and_the_choices(tmp_path, capsys):
    code = main(["run", f"--config={_config(tmp_path, 'http://127.0.0.1:1')}", "--scenario=nosuch"])
    assert code == 4
    out = capsys.readouterr().out
    assert "unknown scenario 'nosuch'" in out
    assert "search" in out
    assert "filtered_search" in out


def test_an_unreachable_target_is_no_go(tmp_path, capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    code = main(["run", f"--config={_config(tmp_path, url)}", "--rate=10/s", "--duration=1s", "--warmup=0s"])
    assert code == ExitCode.NO_GO == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("golive load: target unreachable: ") and url in line for line in lines)
    assert lines[-1] == "NO-GO"


def test_help_names_the_user_default_the_code_uses(capsys):
    assert main(["run", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "rate x 100 ms, at least 20 per generator process" in text
    assert "judge thresholds.gates" in text
    assert "--warmup DURATION excluded lead-in before the steady window" in text
    assert "--arrival {constant,poisson} evenly spaced or Poisson arrivals" in text
    assert "--expect-workers N with --master: remote workers to wait for" in text
    assert "--master-bind-port PORT with --master: port the workers connect to" in text
