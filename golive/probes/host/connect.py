"""A testinfra host from a ``hosts:`` entry, with connection failures turned into one clear line.

    conn = Connection(settings)
    conn.run("cat %s", "/proc/loadavg")      # -> testinfra CommandResult; raises HostUnreachable once per host

Read-only by construction: the facade only passes commands that read (cat, stat, df, ss, ...). ``sudo: true``
prefixes them with ``sudo -n`` (never prompts); nothing else ever runs as another user.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from typing import Any

import paramiko
import testinfra.backend
import testinfra.host
from testinfra.backend.base import CommandResult

from golive.errors import HostError, HostUnreachable
from golive.probes.host.settings import HostSettings

__all__ = ["AUTH_FAILED", "Connection", "HostError", "HostUnreachable", "ssh_options"]

AUTH_FAILED = "authentication failed"
# paramiko's transport thread logs each failed connection with a traceback, sometimes after connect() has
# already raised (a banner timeout); golive turns each failure into one line, so that logger stays quiet for good.
logging.getLogger("paramiko.transport").setLevel(logging.CRITICAL)
CONTROL_PERSIST_S = 30


class _IgnoreHostKey(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        return None


def ssh_options(settings: HostSettings) -> list[str]:
    """The OpenSSH client options for a host: never prompt, the known-hosts policy, the timeout."""
    strict = {"strict": "yes", "accept-new": "accept-new", "off": "no"}[settings.known_hosts]
    opts = ["-o BatchMode=yes", f"-o StrictHostKeyChecking={strict}", "-o LogLevel=ERROR"]
    opts.append(f"-o ConnectTimeout={max(1, round(settings.connect_timeout))}")
    if settings.known_hosts == "off":
        opts.append("-o UserKnownHostsFile=/dev/null")
    elif settings.known_hosts_file is not None:
        opts.append(f"-o UserKnownHostsFile={settings.known_hosts_file}")
    if settings.identity_file is not None:
        opts.append("-o IdentitiesOnly=yes")
    return opts


class Connection:
    """One testinfra host per ``hosts:`` entry; the first failure to connect is kept and raised again."""

    def __init__(self, settings: HostSettings, environ: dict[str, str] | None = None) -> None:
        self.settings = settings
        self._environ = dict(os.environ if environ is None else environ)
        self._host: Any = None
        self._failure: HostError | None = None
        self._control_dir: str | None = None
        self._client: paramiko.SSHClient | None = None

    @property
    def where(self) -> str:
        s = self.settings
        return f"host {s.name} ({s.spec})" if s.name else f"host {s.spec}"

    def _build(self) -> Any:
        s = self.settings
        if s.scheme == "local":
            return _uncached("local://")
        netloc = urllib.parse.urlsplit(s.spec).netloc
        if s.scheme == "ssh":
            # one multiplexed connection per host: its socket in a private folder, ended by close(); a killed
            # run's master exits on its own after CONTROL_PERSIST_S of idleness
            self._control_dir = tempfile.mkdtemp(prefix="golive-ssh-")
            return _uncached(
                f"ssh://{netloc}",
                ssh_identity_file=str(s.identity_file) if s.identity_file else None,
                ssh_extra_args=" ".join(ssh_options(s)),
                timeout=max(1, round(s.connect_timeout)),
                controlpersist=CONTROL_PERSIST_S,
                controlpath=os.path.join(self._control_dir, "%%C"),  # testinfra %-formats the command line
            )
        host = _uncached(f"paramiko://{netloc}", timeout=max(1, round(s.connect_timeout)))
        self._client = self._paramiko_client()
        host.backend.__dict__["client"] = self._client  # our host-key policy, not testinfra's WarningPolicy
        return host

    def _paramiko_client(self) -> paramiko.SSHClient:
        s = self.settings
        url = urllib.parse.urlsplit(s.spec)
        client = paramiko.SSHClient()
        if s.known_hosts == "off":
            client.set_missing_host_key_policy(_IgnoreHostKey())
        else:
            if s.known_hosts_file is not None:
                client.load_host_keys(str(s.known_hosts_file))
            else:
                client.load_system_host_keys()
            strict = s.known_hosts == "strict"
            client.set_missing_host_key_policy(paramiko.RejectPolicy() if strict else paramiko.AutoAddPolicy())
        passphrase = self._environ.get(s.passphrase_env) if s.passphrase_env else None
        try:
            client.connect(
                url.hostname or "",
                port=url.port or 22,
                username=url.username,
                key_filename=str(s.identity_file) if s.identity_file else None,
                passphrase=passphrase,
                look_for_keys=s.identity_file is None,
                timeout=s.connect_timeout,
                banner_timeout=s.connect_timeout,
                auth_timeout=s.connect_timeout,
            )
        except paramiko.AuthenticationException as err:
            client.close()
            raise HostUnreachable(f"{self.where}: {AUTH_FAILED} ({err})") from None
        except paramiko.BadHostKeyException:
            client.close()
            raise HostUnreachable(f"{self.where}: host key does not match known_hosts") from None
        except paramiko.SSHException as err:
            client.close()
            if "known_hosts" in str(err):
                raise HostUnreachable(f"{self.where}: host key verification failed ({err})") from None
            raise HostUnreachable(f"{self.where}: unreachable: {err}") from None
        except OSError as err:  # refused, timed out, no route
            client.close()
            raise HostUnreachable(f"{self.where}: unreachable: {err.strerror or err}") from None
        return client

    def check(self) -> None:
        """Connect now (once); raise the same ``HostUnreachable`` on every call after a failure."""
        self._connected()

    def _connected(self) -> Any:
        if self._failure is not None:
            raise self._failure
        if self._host is None:
            try:
                host = self._build()
                self._host = host
                self.run("true")
            except HostError as err:
                self._host = None
                self._failure = err
                raise
        return self._host

    def run(self, command: str, *args: str) -> CommandResult:
        """Run a read-only command (``%s`` placeholders quoted by testinfra); ``sudo -n`` first if configured."""
        host = self._host if self._host is not None else self._connected()
        if self.settings.sudo:
            command = "sudo -n " + command
        try:
            result: CommandResult = host.run(command, *args)
        except RuntimeError as err:  # the ssh backend: exit 255 means ssh itself failed
            out = err.args[0] if err.args else None
            stderr = getattr(out, "stderr", "") or str(err)
            raise HostUnreachable(f"{self.where}: {_ssh_failure(stderr)}") from None
        except paramiko.SSHException as err:
            raise HostUnreachable(f"{self.where}: connection lost: {err}") from None
        return result

    def close(self) -> None:
        """End the connection: the paramiko client, or the ssh control master and its folder."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._control_dir is not None:
            url = urllib.parse.urlsplit(self.settings.spec)
            target = [f"-p{url.port}"] if url.port else []
            target += [f"{url.username}@{url.hostname}" if url.username else str(url.hostname)]
            control = ["-o", f"ControlPath={os.path.join(self._control_dir, '%C')}"]
            subprocess.run(["ssh", *control, "-O", "exit", *target], capture_output=True, timeout=10, check=False)
            shutil.rmtree(self._control_dir, ignore_errors=True)
            self._control_dir = None
        self._host = None


def _uncached(spec: str, **kwargs: Any) -> Any:
    """A testinfra host of its own: ``testinfra.get_host`` caches by spec, so two entries naming one machine
    (the fleet demo: one sshd under ten names) would share a backend and its connection."""
    return testinfra.host.Host(testinfra.backend.get_backend(spec, **kwargs))


def _ssh_failure(stderr: str) -> str:
    """The OpenSSH client's complaint, said plainly: 'authentication failed', 'unreachable: ...'."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "ssh failed without a message"
    if "Permission denied" in stderr:
        return f"{AUTH_FAILED} ({text})"
    if "Host key verification failed" in stderr or "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        return f"host key verification failed ({text}); see known_hosts / known_hosts_file"
    return f"unreachable: {text}"
