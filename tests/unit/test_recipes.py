"""recipes/: the scheduled-run recipes are valid for the tools that read them, and every golive command in
them parses with golive's own parser. check-jsonschema validates against its vendored schemas (no network);
the systemd units go through `systemd-analyze verify` (with ExecStart pointed at this venv's golive)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from golive.cli import _parser

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
GOLIVE = Path(sys.executable).parent / "golive"


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("recipe", "schema"),
    [("github-actions/golive.yml", "vendor.github-workflows"), ("gitlab-ci/golive.gitlab-ci.yml", "vendor.gitlab-ci")],
)
def test_the_ci_schedules_match_their_published_schema(recipe: str, schema: str, tmp_path: Path) -> None:
    proc = _check_jsonschema(schema, RECIPES / recipe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = yaml.safe_load((RECIPES / recipe).read_text())
    key = "jobs" if "github" in recipe else "golive-daily"
    broken[key] = "not a mapping"  # the same check must catch a broken file
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken))
    assert _check_jsonschema(schema, tmp_path / "broken.yml").returncode != 0


def test_the_github_workflow_is_scheduled_and_uploads_the_reports_whatever_the_verdict() -> None:
    workflow = yaml.safe_load((RECIPES / "github-actions/golive.yml").read_text())
    crons = [s["cron"] for s in workflow[True]["schedule"]]  # YAML 1.1 reads the key `on` as true
    assert crons == ["17 2 * * *", "17 3 * * 1"]
    steps = workflow["jobs"]["golive"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    for unit in (RECIPES / "systemd").iterdir():
        text = unit.read_text().replace("/opt/golive/.venv/bin/golive", str(GOLIVE))
        (tmp_path / unit.name).write_text(text)
    names = [f"{u.stem}production{u.suffix}" for u in sorted(tmp_path.iterdir())]
    assert len(names) == 4
    proc = subprocess.run(["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr
    service = (tmp_path / "golive@.service").read_text()
    (tmp_path / "golive@.service").write_text(service.replace("Type=oneshot", "Type=oneshoot"))
    bad = subprocess.run(["systemd-analyze", "verify", "golive@production.service"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert "Failed to parse service type" in bad.stderr  # the same check must catch a broken unit


CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(/\d+)?$")


def test_the_cron_lines_have_five_fields_a_user_and_a_golive_command() -> None:
    lines = [ln for ln in (RECIPES / "cron/golive.cron").read_text().splitlines() if ln and not ln.startswith("#")]
    jobs = [ln for ln in lines if "=" not in ln.split()[0]]
    assert len(jobs) == 3
    for job in jobs:
        fields = job.split()
        assert all(CRON_FIELD.match(f) for f in fields[:5]), job
        assert fields[5] == "golive"
        assert ".venv/bin/golive " in job


def _golive_commands() -> list[list[str]]:
    found = []
    for path in RECIPES.rglob("*"):
        if path.is_file() and path.suffix != ".md":
            for match in re.finditer(r"golive (run|release|audit|history)\b[^\n;&|>]*", path.read_text()):
                found.append(shlex.split(match.group(0).replace("%i", "production"))[1:])
    return found


def test_every_golive_command_in_the_recipes_parses() -> None:
    commands = _golive_commands()
    assert len(commands) >= 10
    parser = _parser()
    for argv in commands:
        args, rest = parser.parse_known_args([a.replace('"$GOLIVE_ENV"', "production") for a in argv])
        assert args.command in {"run", "release", "audit", "history"}, argv
        if args.command != "run":
            assert rest == [], argv
