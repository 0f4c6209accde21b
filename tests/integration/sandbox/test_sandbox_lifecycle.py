"""The process: CLI errors, port in use, SIGTERM flushes and exits 0, data survives restarts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from golive.sandbox.demo import DEMO_COLLECTIONS
from golive.sandbox.testing import SandboxStartError, running_sandbox

pytestmark = pytest.mark.integration


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive.sandbox", *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_bad_arguments_name_the_flag() -> None:
    result = _run_cli("--port", "70000")
    assert result.returncode == 2
    assert "--port" in result.stderr
    result = _run_cli("--demo-scale", "abc")
    assert result.returncode == 2
    assert "--demo-scale" in result.stderr
    result = _run_cli("--tls-cert", "/nonexistent.pem")
    assert result.returncode == 2
    assert "--tls-cert" in result.stderr


def test_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run_cli("--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"golive sandbox: 127.0.0.1:{port} is already in use"


def test_start_failure_raises_with_stderr(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SandboxStartError, match="already in use"), running_sandbox(tmp_path / "d", port=port):
            pass


def test_sigterm_flushes_and_data_survives_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    points = [{"id": i, "vector": [1.0, float(i)], "payload": {"i": i}} for i in range(100)]
    with running_sandbox(data) as sb:
        httpx.put(sb.url + "/collections/keep", json={"vectors": {"size": 2, "distance": "Euclid"}}, timeout=10)
        response = httpx.put(sb.url + "/collections/keep/points", json={"points": points}, timeout=10)
        assert response.json()["result"]["status"] == "acknowledged"  # SIGTERM must still apply and flush it
        assert sb.stop() == 0
        assert sb.process.poll() == 0
    with running_sandbox(data) as sb:
        count = httpx.post(sb.url + "/collections/keep/points/count", json={}, timeout=10).json()["result"]["count"]
        assert count == 100
        got = httpx.post(sb.url + "/collections/keep/points", json={"ids": [42]}, timeout=10).json()["result"]
        assert got[0]["payload"] == {"i": 42}


def test_demo_is_reused_on_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_sandbox(data, demo=True, demo_scale=0.01):
        pass
    stamps = {c.name: (data / "collections" / c.name / "config.json").stat().st_mtime_ns for c in DEMO_COLLECTIONS}
    started = time.monotonic()
    with running_sandbox(data, demo=True, demo_scale=0.01) as sb:
        elapsed = time.monotonic() - started
        names = {c["name"] for c in httpx.get(sb.url + "/collections", timeout=5).json()["result"]["collections"]}
    assert names == {c.name for c in DEMO_COLLECTIONS}
    after = {c.name: (data / "collections" / c.name / "config.json").stat().st_mtime_ns for c in DEMO_COLLECTIONS}
    assert after == stamps, "the demo was regenerated instead of reused"
    assert elapsed < 10


def test_sigterm_during_demo_load_exits_0_and_next_start_completes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cmd = [
        sys.executable,
        "-m",
        "golive.sandbox",
        "--port",
        "0",
        "--data-dir",
        str(data),
        "--demo",
        "--demo-scale",
        "0.2",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().decode().split("listening on ", 1)[1].split()[0]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.02)
            assert httpx.get(url + "/readyz", timeout=2).status_code == 503
            proc.terminate()
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    with running_sandbox(data, demo=True, demo_scale=0.2, ready_timeout=90) as sb:
        info = httpx.get(sb.url + "/collections/documents", timeout=5).json()["result"]
        assert info["points_count"] == info["indexed_vectors_count"] == DEMO_COLLECTIONS[0].points_at(0.2)


def test_cli_tells_when_the_demo_is_ready_and_where(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "golive.sandbox", "--port", "0", "--data-dir", str(tmp_path / "d"), "--demo",
           "--demo-scale", "0.001"]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stderr is not None
            url = proc.stdout.readline().split("listening on ", 1)[1].split()[0]
            lines = []
            for line in proc.stderr:
                lines.append(line)
                if "demo ready" in line:
                    break
            assert " INFO golive.sandbox: golive sandbox: demo ready in " in lines[-1], lines
            assert lines[-1].rstrip().endswith(f"serving on {url}")
            assert httpx.get(url + "/readyz", timeout=5).status_code == 200
        finally:
            proc.terminate()
            proc.wait(30)


def test_a_reused_demo_gets_its_missing_payload_indexes_back(tmp_path: Path) -> None:
    """Data dirs made before the demo had payload indexes are completed on start, not regenerated."""
    data = tmp_path / "data"
    with running_sandbox(data, demo=True, demo_scale=0.01) as sb:
        assert httpx.delete(sb.url + "/collections/faq/index/tenant?wait=true", timeout=5).status_code == 200
        schema = httpx.get(sb.url + "/collections/faq", timeout=5).json()["result"]["payload_schema"]
        assert "tenant" not in schema
    stamp = (data / "collections" / "faq" / "config.json").stat().st_mtime_ns
    with running_sandbox(data, demo=True, demo_scale=0.01) as sb:
        schema = httpx.get(sb.url + "/collections/faq", timeout=5).json()["result"]["payload_schema"]
    assert schema["tenant"]["data_type"] == "integer"
    assert (data / "collections" / "faq" / "config.json").stat().st_mtime_ns == stamp
