"""A real Prometheus (Debian's ``prometheus`` binary) beside the sandbox demo, so the demo's Prometheus items
(GL-MON-005..007) watch something real: it scrapes the sandbox's ``/metrics`` with the run's key and TLS CA,
and the metrics-endpoint stand-in, and loads a rules file with :data:`DEMO_RULES`.

    with running_prometheus(folder, scrape_config(...), demo_rules("qdrant"), port) as url:
        ...   # http://127.0.0.1:<port>; stopped (SIGTERM, then SIGKILL) when the block ends

Only for a config whose target is the sandbox; a real deployment has its own Prometheus. The process dies
with its parent even on SIGKILL (``golive.lifetime``); the caller owns ``folder`` and removes it.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from golive.lifetime import die_with_parent
from golive.probes.dependencies.settings import Dependency
from golive.probes.prometheus import prometheus_state
from golive.waiting import WaitTimeout, wait_until

APT_HINT = "apt-get install prometheus"
SCRAPE_INTERVAL_S = 2  # a deployment scrapes every 15-60 s; the demo wants a scrape soon after the sandbox is up
ENDPOINT_JOB = "citadel-metrics"  # the job scraping target.metrics_url (the seed's local metrics server)

#: The demo's alert rules: name -> (PromQL, for); ``$job`` stands for ``monitoring.prometheus_job``.
#: config/sandbox.yaml's ``monitoring.alert_rules`` names them; GL-MON-007 fails for a name not in this file.
DEMO_RULES: dict[str, tuple[str, str]] = {
    "QdrantDown": ('up{job="$job"} == 0', "1m"),
    "QdrantRestFailures": ('sum(rate(rest_responses_fail_total{job="$job"}[5m])) > 1', "5m"),
    "MetricsEndpointDown": ('up{job="' + ENDPOINT_JOB + '"} == 0', "2m"),
}


def demo_prometheus(dependencies: list[Dependency]) -> Dependency | None:
    """The first ``kind: prometheus`` entry on loopback: the Prometheus ``golive run`` starts for the demo."""
    for dep in dependencies:
        if dep.kind == "prometheus" and dep.host in {"127.0.0.1", "localhost"}:
            return dep
    return None


def demo_rules(job: str) -> str:
    """The rules file: one group ``golive-demo`` with every rule of :data:`DEMO_RULES`."""
    rules = [
        {"alert": name, "expr": expr.replace("$job", job), "for": wait, "labels": {"severity": "page"}}
        for name, (expr, wait) in DEMO_RULES.items()
    ]
    return yaml.safe_dump({"groups": [{"name": "golive-demo", "rules": rules}]}, sort_keys=False)


def scrape_config(
    folder: Path,
    *,
    job: str,
    target_url: str,
    key: str | None,
    ca_file: Path | None,
    metrics_url: str | None = None,
    interval_s: float = SCRAPE_INTERVAL_S,
) -> dict[str, Any]:
    """``prometheus.yml`` scraping ``target_url``'s /metrics as job ``job`` (the key from a 0600 file in ``folder``,
    never in the config; TLS verified against ``ca_file``) and ``metrics_url`` as :data:`ENDPOINT_JOB`."""
    parts = urlsplit(target_url)
    qdrant: dict[str, Any] = {
        "job_name": job,
        "scheme": parts.scheme or "http",
        "static_configs": [{"targets": [parts.netloc]}],
    }
    if key:
        credentials = folder / "scrape-credentials"
        credentials.touch(mode=0o600)
        credentials.write_text(key, encoding="utf-8")
        qdrant["authorization"] = {"type": "Bearer", "credentials_file": str(credentials)}
    if parts.scheme == "https" and ca_file is not None:
        qdrant["tls_config"] = {"ca_file": str(Path(ca_file).resolve())}
    jobs = [qdrant]
    if metrics_url:
        endpoint = urlsplit(metrics_url)
        jobs.append({"job_name": ENDPOINT_JOB, "scheme": endpoint.scheme or "http",
                     "static_configs": [{"targets": [endpoint.netloc]}]})  # fmt: skip
    interval = f"{interval_s:g}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(folder / "rules.yml")],
        "scrape_configs": jobs,
    }


@contextlib.contextmanager
def running_prometheus(
    folder: Path, config: dict[str, Any], rules: str, port: int, *, ready_timeout: float = 60.0, lifecycle: bool = False
) -> Iterator[str]:
    """``prometheus`` on ``127.0.0.1:port`` with ``config`` (``rule_files`` should name ``folder/rules.yml``,
    written with ``rules``), its data and log in ``folder``; yields its URL once ``/-/ready`` answers 200.

    RuntimeError (with the end of its log) when the binary is missing or it exits before it is ready."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError(f"prometheus is not installed (Debian: {APT_HINT})")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yml").write_text(rules, encoding="utf-8")
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    args = [binary, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1d"]  # fmt: skip
    if lifecycle:
        args.append("--web.enable-lifecycle")  # POST /-/reload (the tests rewrite the rules file)
    url = f"http://127.0.0.1:{port}"
    with open(folder / "prometheus.log", "wb") as log:
        proc = subprocess.Popen(
            args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=folder,
            start_new_session=True, preexec_fn=die_with_parent(signal.SIGTERM),
        )  # fmt: skip
        try:

            def ready() -> bool:
                if proc.poll() is not None:
                    raise RuntimeError(f"prometheus exited {proc.returncode}: {_tail(folder / 'prometheus.log')}")
                try:
                    return httpx.get(url + "/-/ready", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                wait_until(ready, timeout=ready_timeout, describe=f"prometheus {url}/-/ready")
            except WaitTimeout as err:
                raise RuntimeError(f"{err}; its log: {_tail(folder / 'prometheus.log')}") from None
            yield url
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if log.exists() else []
    return " | ".join(text[-lines:]) or "(no output)"


def wait_for_scrape(url: str, job: str, *, since: float, timeout: float) -> str | None:
    """Wait until every target of ``job`` was scraped (up or down: the checks judge) after ``since`` (a
    ``time.time()``); None when it was, else what was seen last (the run goes on: GL-MON-006 reports it).

    Prometheus applies its targets about 5 s after it starts, so ``golive run`` starts it before the sandbox."""
    seen: list[str] = []

    def scraped() -> bool:
        state = prometheus_state(url, job, timeout=2)
        seen[:] = [state.error] if state.error else [str(t) for t in state.targets] or [f"no target in job {job!r}"]
        limit = time.time() - since
        return bool(state.targets) and all(t.age_s is not None and t.age_s < limit for t in state.targets)

    try:
        wait_until(scraped, timeout=timeout, describe=f"a scrape of job {job!r}", interval=0.25, max_interval=0.5)
    except WaitTimeout:
        return f"no scrape of job {job!r} within {timeout:g} s of the sandbox being ready; last seen: {seen}"
    return None


@contextlib.contextmanager
def temporary_folder() -> Iterator[Path]:
    """A private temp folder (config, rules, key file, TSDB), removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="golive-prometheus-") as name:
        yield Path(name)
