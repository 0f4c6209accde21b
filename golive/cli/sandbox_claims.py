"""Make the sandbox live up to what the config claims, so the demo runs the security and monitoring items
instead of skipping them: throwaway API keys, a throwaway CA and server certificate, the allowed CORS origins,
and the metrics-endpoint stand-in on ``target.metrics_url``.

    extras = provide_claims(settings, os.environ)   # keys into the environment (never printed), certs on disk
    running_sandbox(..., api_key=extras.api_key, tls=extras.tls, ca_file=extras.ca_file,
                    extra_args=extras.sandbox_args)

Only for a config whose target is the sandbox (``target.sandbox``); a real deployment provides its own.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from golive.config import Settings

TLS_FOLDER = "sandbox-tls"  # beside the sandbox's data dir: ca.pem, server.pem, server-key.pem (rewritten per run)


@dataclass
class SandboxClaims:
    api_key: str | None = None
    read_only_key: str | None = None
    tls: tuple[Path, Path] | None = None
    ca_file: Path | None = None
    sandbox_args: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)  # what was made up for this run, for one line of output

    def describe(self) -> str:
        return ", ".join(self.generated)


def provide_claims(settings: Settings, environ: MutableMapping[str, str]) -> SandboxClaims:
    """Keys (from the environment, or generated into it), TLS material and CORS flags the claims need."""
    sandbox = settings.target.sandbox
    assert sandbox is not None
    claims, target = settings.claims, settings.target
    out = SandboxClaims()
    for claimed, env_name, what in (
        (claims.api_key, target.api_key_env, "API key"),
        (claims.read_only_api_key, target.read_only_api_key_env, "read-only key"),
    ):
        if claimed and not environ.get(env_name):
            environ[env_name] = "golive-sandbox-" + secrets.token_urlsafe(24)
            out.generated.append(f"a random {what} in ${env_name}")
    out.api_key = environ.get(target.api_key_env) or None
    out.read_only_key = environ.get(target.read_only_api_key_env) or None
    if claims.tls and target.url.startswith("https://"):
        from golive.sandbox.certs import make_ca, server_cert

        folder = Path(sandbox.data_dir).parent / TLS_FOLDER
        ca = make_ca(folder)
        out.tls = server_cert(ca, folder, days=90, hosts=(target.host,))
        out.ca_file = ca.cert_file
        if target.tls.ca_file is not None and target.tls.ca_file != ca.cert_file:  # where the checks look for it
            target.tls.ca_file.parent.mkdir(parents=True, exist_ok=True)
            target.tls.ca_file.write_bytes(ca.cert_file.read_bytes())
        # the load generator's raw HTTP client verifies against the default trust store: point it at the CA
        environ["SSL_CERT_FILE"] = str(ca.cert_file)
        out.generated.append(f"a throwaway CA and server certificate in {folder}")
    for origin in settings.security.allowed_origins:
        out.sandbox_args += ["--cors-origin", origin]
    return out


def metrics_endpoint_port(settings: Settings) -> int | None:
    """The loopback port of ``target.metrics_url`` where the stand-in should listen, or None (not configured)."""
    url = settings.target.metrics_url
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise ValueError(f"target.metrics_url {url} is not on loopback: the sandbox's stand-in serves only there")
    return parts.port or 80
