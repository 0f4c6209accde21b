"""A real OpenSSH server for the host items: ``/usr/sbin/sshd -D`` on a free loopback port, generated keys.

    with running_sshd(tmp_path) as sshd:
        sshd.spec("root")            # ssh://root@127.0.0.1:PORT
        sshd.client_key, sshd.known_hosts

The server, its keys and its config live under the given folder; the process is stopped with the block.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.ports import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
PRIVSEP_DIR = Path("/run/sshd")
START_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Sshd:
    port: int
    client_key: Path
    wrong_key: Path
    known_hosts: Path
    process: subprocess.Popen[bytes]

    def spec(self, user: str = "root", scheme: str = "ssh") -> str:
        return f"{scheme}://{user}@127.0.0.1:{self.port}"


def _keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "golive-test", "-f", str(path)], check=True)
    return path


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            return s.recv(64).startswith(b"SSH-2.0")
    except OSError:
        return False


@contextlib.contextmanager
def running_sshd(folder: Path) -> Iterator[Sshd]:
    """sshd for root (key only) on loopback until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    host_key = _keygen(folder / "host_ed25519")
    client_key = _keygen(folder / "client_ed25519")
    wrong_key = _keygen(folder / "wrong_ed25519")
    authorized = folder / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    authorized.chmod(0o600)
    port = free_port()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.with_suffix('.pub').read_text()}")
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\nStrictModes no\n"
        "MaxStartups 200\nMaxSessions 100\nLogLevel ERROR\n"
    )
    # sshd refuses to start without its privilege separation directory (systemd's unit makes it). Made here
    # when missing and left in place: any other sshd on the machine chroots into it on every connection.
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    log = (folder / "sshd.log").open("wb")
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {(folder / 'sshd.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield Sshd(port, client_key, wrong_key, known_hosts, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(folder / "sshd.pid")
