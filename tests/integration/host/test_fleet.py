"""A fleet checked in parallel with pytest-xdist comes out as a serial run does: verdict, counts, outcomes,
host evidence; only the controller writes the run record."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.sandbox.testing import SandboxHandle

from .conftest import run_host_items, ssh_entry
from .sshd import Sshd

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FLEET = 4  # the README's ten-host figures come from benchmarks/host_fleet.py; equality needs fewer


def test_ssh_fleet_in_parallel_matches_a_serial_run(
    sshd: Sshd, service: tuple[SandboxHandle, Path], tmp_path: Path
) -> None:
    handle, storage = service
    hosts = [ssh_entry(sshd, handle.port, storage, name=f"node-{i:02d}", user="root") for i in range(1, FLEET + 1)]
    # root here; no unit, config file, log, backups or time sync to judge: waived, so the verdict can be GO
    not_here = ("GL-SVC-002", "GL-SVC-005", "GL-SVC-006", "GL-SVC-008", "GL-SYS-003", "GL-SYS-007")
    waivers = [{"id": i, "reason": "not here", "approver": "t", "expires": "2099-01-01"} for i in not_here]
    runs = {}
    for mode, args in (("serial", ("-p", "no:xdist")), ("parallel", ("-n", "auto"))):
        folder = tmp_path / mode
        folder.mkdir()
        runs[mode] = run_host_items(folder, hosts, *args, "--junitxml", str(folder / "junit.xml"), waivers=waivers)
    serial, parallel = runs["serial"].summary, runs["parallel"].summary
    assert "bringing up nodes" in runs["parallel"].output  # xdist really ran
    for key in ("verdict", "exit_code", "counts", "reasons"):
        assert parallel[key] == serial[key], key
    assert serial["verdict"] == "GO"
    assert "failed" not in serial["counts"]
    assert runs["parallel"].outcomes() == runs["serial"].outcomes()
    assert len(runs["serial"].outcomes()) == FLEET * 17
    assert sorted(parallel["hosts"]) == sorted(serial["hosts"]) == [f"node-{i:02d}" for i in range(1, FLEET + 1)]
    for mode in runs:  # one run folder: the workers did not write summaries of their own
        written = [p for p in (tmp_path / mode / "reports" / "env").iterdir() if p.is_dir() and not p.is_symlink()]
        assert len(written) == 1, written
        assert (tmp_path / mode / "junit.xml").read_text().count("<testcase") == FLEET * 17
    print(f"\n{FLEET} ssh hosts: serial {runs['serial'].seconds:.1f} s, -n auto {runs['parallel'].seconds:.1f} s")
