"""Start the sandbox as a subprocess for tests.

    with running_sandbox(tmp_path / "data", demo=True, demo_scale=0.05) as sb:
        httpx.get(sb.url + "/readyz")
        sb.set_faults(latency_ms=5)

The process always ends with the block (SIGTERM, then SIGKILL after a timeout), even on failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from golive.lifetime import die_with_parent
from golive.sandbox.server import API_KEY_ENV, READ_ONLY_KEY_ENV
from golive.waiting import WaitTimeout, wait_until

LISTENING = re.compile(rb"listening on (https?)://([^:\s]+):(\d+)")
STOP_TIMEOUT_S = 15.0
POLL_S = 0.05
HTTP_TIMEOUT = httpx.Timeout(5.0)


class SandboxStartError(RuntimeError):
    """The sandbox did not become ready; the message carries the tail of its stderr."""


@dataclass
class SandboxHandle:
    url: str
    port: int
    pid: int
    api_key: str | None
    process: subprocess.Popen[bytes] = field(repr=False)
    verify: bool | ssl.SSLContext = field(default=True, repr=False)

    def _client(self) -> httpx.Client:
        headers = {"api-key": self.api_key} if self.api_key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=HTTP_TIMEOUT, verify=self.verify)

    def set_faults(self, **keys: Any) -> dict[str, Any]:
        """Merge ``keys`` into the fault document (``PUT /__sandbox/faults``); returns the new document."""
        with self._client() as client:
            response = client.put("/__sandbox/faults", json=keys)
            response.raise_for_status()
            result: dict[str, Any] = response.json()["result"]
            return result

    def clear_faults(self) -> None:
        with self._client() as client:
            client.delete("/__sandbox/faults").raise_for_status()

    def faults(self) -> dict[str, Any]:
        with self._client() as client:
            response = client.get("/__sandbox/faults")
            response.raise_for_status()
            result: dict[str, Any] = response.json()["result"]
            return result

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM, wait up to ``timeout``, then SIGKILL; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return int(self.process.returncode)


def _tail(fh: IO[bytes], lines: int = 30) -> str:
    fh.flush()
    fh.seek(0)
    return "\n".join(fh.read().decode(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_sandbox(
    data_dir: Path,
    *,
    demo: bool = False,
    demo_scale: float = 1.0,
    api_key: str | None = None,
    read_only_key: str | None = None,
    tls: tuple[Path, Path] | None = None,
    ca_file: Path | None = None,
    port: int = 0,
    ready_timeout: float = 120.0,
    extra_args: tuple[str, ...] = (),
    user: str | None = None,
    python: str | None = None,
    pythonpath: str | None = None,
) -> Iterator[SandboxHandle]:
    """Run ``python -m golive.sandbox`` on loopback until the block ends; yields once /readyz is 200.

    ``tls=(cert, key)`` serves HTTPS; ``ca_file`` is the CA that signed ``cert`` (default: ``cert`` itself).
    ``user``: run it as that user and its primary group (the caller must be root), as a service would run;
    ``python`` / ``pythonpath``: another interpreter for it (one that user may execute) and its import path."""
    args = [python or sys.executable, "-m", "golive.sandbox", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir), *extra_args]  # fmt: skip
    if demo:
        args += ["--demo", "--demo-scale", str(demo_scale)]
    if tls:
        args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    env = {k: v for k, v in os.environ.items() if k not in {API_KEY_ENV, READ_ONLY_KEY_ENV}}
    if api_key:
        env[API_KEY_ENV] = api_key
    if read_only_key:
        env[READ_ONLY_KEY_ENV] = read_only_key
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # its own session: a terminal Ctrl-C meant for the caller must not stop the target under a running check;
        # a parent-death signal: a caller killed with SIGKILL must not leave the sandbox holding its port
        as_user: dict[str, Any] = {}
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            env["HOME"] = entry.pw_dir
        if pythonpath is not None:
            env["PYTHONPATH"] = pythonpath
        process = subprocess.Popen(
            args, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM), **as_user,
        )  # fmt: skip
        handle: SandboxHandle | None = None
        try:
            handle = _wait_ready(process, out, err, api_key, tls, ready_timeout, ca_file)
            yield handle
        finally:
            if handle is not None:
                handle.stop()
            elif process.poll() is None:
                process.kill()
                process.wait(STOP_TIMEOUT_S)


def _wait_ready(
    process: subprocess.Popen[bytes],
    out: IO[bytes],
    err: IO[bytes],
    api_key: str | None,
    tls: tuple[Path, Path] | None,
    timeout: float,
    ca_file: Path | None = None,
) -> SandboxHandle:
    url: str | None = None
    last = "no answer yet"
    # a CA-signed certificate verifies against its CA; a self-signed one against itself
    verify: bool | ssl.SSLContext = ssl.create_default_context(cafile=str(ca_file or tls[0])) if tls else True

    def ready() -> SandboxHandle | None:
        nonlocal url, last
        if process.poll() is not None:
            raise SandboxStartError(
                f"sandbox exited with code {process.returncode} before it was ready; stderr:\n{_tail(err)}"
            )
        if url is None:
            out.seek(0)
            found = LISTENING.search(out.read())
            if found:
                url = f"{found[1].decode()}://127.0.0.1:{int(found[3])}"
        if url is not None:
            try:
                response = httpx.get(url + "/readyz", timeout=HTTP_TIMEOUT, verify=verify)
                if response.status_code == 200:
                    port = int(url.rsplit(":", 1)[1])
                    return SandboxHandle(url, port, process.pid, api_key, process, verify)
                last = f"/readyz answered {response.status_code} {response.text!r}"
            except httpx.HTTPError as exc:
                last = f"/readyz failed: {exc!r}"
        return None

    try:
        handle = wait_until(
            ready, timeout=timeout, describe="the sandbox's /readyz", interval=POLL_S, max_interval=POLL_S
        )
    except WaitTimeout:
        raise SandboxStartError(f"sandbox not ready after {timeout:.0f} s ({last}); stderr:\n{_tail(err)}") from None
    assert handle is not None  # wait_until returns only a truthy value
    return handle
