"""Ten ssh:// (or paramiko://) hosts (one real test sshd under ten names) checked serially and with pytest-xdist.

    .venv/bin/python benchmarks/host_fleet.py [--hosts 10] [--rounds 1] [--scheme ssh|paramiko]

Starts a throwaway sshd (generated keys, free loopback port) and an empty sandbox as the 'Qdrant process',
runs checks/test_system.py and checks/test_service.py for the fleet with -p no:xdist, -n auto and -n <hosts>,
prints wall time, verdict and counts of each, and removes everything it made.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from golive.sandbox.testing import running_sandbox  # noqa: E402
from tests.integration.host.sshd import running_sshd  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--scheme", choices=["ssh", "paramiko"], default="ssh")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="golive-fleet-"))
    try:
        data = tmp / "storage"
        data.mkdir(mode=0o750)
        with running_sshd(tmp / "sshd") as sshd, running_sandbox(data) as service:
            hosts = [
                {"spec": sshd.spec("root", args.scheme), "name": f"node-{i:02d}", "identity_file": str(sshd.client_key),
                 "known_hosts_file": str(sshd.known_hosts), "ports": {"rest": service.port}, "user": "root",
                 "listen_addresses": ["127.0.0.1"], "storage_path": str(data)}
                for i in range(1, args.hosts + 1)
            ]  # fmt: skip
            config = {
                "target": {"url": f"http://127.0.0.1:{service.port}", "grpc_port": None},
                "hosts": hosts,
                "thresholds": {"system": {"cpu": "100%", "load_per_core": 100, "min_open_files": 1024,
                                          "min_max_map_count": 1024}},
                "waivers": [{"id": "GL-SVC-002", "reason": "the demo service runs as root", "approver": "demo",
                             "expires": "2099-12-31"}],
            }  # fmt: skip
            (tmp / "fleet.yaml").write_text(yaml.safe_dump(config))
            modes = [["-p", "no:xdist"], ["-n", "auto"], ["-n", str(args.hosts)]]
            for _ in range(args.rounds):
                for mode in modes:
                    started = time.monotonic()
                    proc = subprocess.run(
                        [sys.executable, "-m", "pytest", "-m", "golive", f"--golive-config={tmp / 'fleet.yaml'}",
                         f"--golive-reports={tmp / 'reports'}", "-q", *mode,
                         "checks/test_system.py", "checks/test_service.py"],
                        capture_output=True, text=True, cwd=REPO, check=False,
                    )  # fmt: skip
                    seconds = time.monotonic() - started
                    summary = json.loads((tmp / "reports" / "fleet" / "latest" / "summary.json").read_text())
                    print(f"{' '.join(mode):12} {seconds:6.1f} s  exit {proc.returncode}  {summary['verdict']:5} "
                          f"{summary['counts']}", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
