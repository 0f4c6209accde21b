"""hosts: entries: a bad spec, a password written inline or a missing key file is a config error naming the
field (exit 7); the ssh client options follow the known-hosts policy and never prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.cli import main
from golive.config import ConfigError, load_settings
from golive.probes.host.connect import Connection, _ssh_failure, ssh_options
from golive.probes.host.settings import HostSettings


def problems(tmp_path: Path, hosts: str) -> dict[str, str]:
    path = tmp_path / "staging.yaml"
    path.write_text(f"hosts:\n{hosts}", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    return dict(info.value.problems)


def test_unknown_scheme_names_the_field(tmp_path: Path) -> None:
    found = problems(tmp_path, "  - {spec: 'telnet://qdrant-1'}\n")
    assert found == {
        "hosts[0].spec": "expected a testinfra host spec such as local:// or ssh://user@host, got "
        "'telnet://qdrant-1' (backends: local, ssh, paramiko)"
    }


def test_inline_password_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "  - {spec: 'ssh://ops:hunter2@10.0.1.20'}\n")
    assert list(found) == ["hosts[0].spec"]
    assert "password" in found["hosts[0].spec"]
    assert "hunter2" not in found["hosts[0].spec"]


def test_inline_password_is_refused_by_the_model_too() -> None:
    with pytest.raises(ValueError, match="a password written into the host spec"):
        HostSettings(spec="paramiko://ops:hunter2@10.0.1.20")


def test_missing_identity_file_names_the_field(tmp_path: Path) -> None:
    found = problems(tmp_path, f"  - {{spec: 'ssh://ops@10.0.1.20', identity_file: '{tmp_path}/nope'}}\n")
    assert found == {
        "hosts[0].identity_file": f"file not found: '{tmp_path}/nope' (give the path of an existing file, or leave "
        "it out)"
    }


@pytest.mark.parametrize(
    ("entry", "field", "says"),
    [
        ("{spec: 'ssh://10.0.1.20?sudo=true'}", "hosts[0].spec", "options such as the identity file or sudo"),
        ("{spec: 'ssh://'}", "hosts[0].spec", "ssh:// needs a host"),
        ("{spec: 'local://', known_hosts: maybe}", "hosts[0].known_hosts", "'strict', 'accept-new' or 'off'"),
        ("{spec: 'ssh://h', storage_path: data}", "hosts[0]", "must be an absolute path on ssh://h"),
        ("{spec: 'ssh://h', passphrase_env: 'x y'}", "hosts[0].passphrase_env", "NAME of an environment variable"),
        ("{spec: 'ssh://h', passphrase_env: KEY_PASS}", "hosts[0]", "passphrase_env works with paramiko:// only"),
        ("{spec: 'local://', ports: {rest: 70000}}", "hosts[0].ports.rest", "less than or equal to 65535"),
    ],
)
def test_other_bad_host_fields(tmp_path: Path, entry: str, field: str, says: str) -> None:
    found = problems(tmp_path, f"  - {entry}\n")
    assert field in found, found
    assert says in found[field]


def test_duplicate_host_names_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "  - {spec: 'local://', name: a}\n  - {spec: 'ssh://h', name: a}\n")
    assert found == {"hosts": "host 'a' is listed twice under hosts (give each a distinct name)"}


def test_config_check_exits_7_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "staging.yaml"
    path.write_text("hosts:\n  - {spec: 'ssh://ops@10.0.1.20', identity_file: /no/such/key}\n", encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 7
    assert "hosts[0].identity_file: file not found: '/no/such/key'" in capsys.readouterr().err


def test_ssh_options_never_prompt_and_follow_the_known_hosts_policy(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    strict = ssh_options(HostSettings(spec="ssh://h", known_hosts_file=known))
    assert "-o BatchMode=yes" in strict
    assert "-o StrictHostKeyChecking=yes" in strict
    assert f"-o UserKnownHostsFile={known}" in strict
    off = ssh_options(HostSettings(spec="ssh://h", known_hosts="off"))
    assert "-o StrictHostKeyChecking=no" in off
    assert "-o UserKnownHostsFile=/dev/null" in off
    assert "-o StrictHostKeyChecking=accept-new" in ssh_options(HostSettings(spec="ssh://h", known_hosts="accept-new"))


def test_ssh_failures_are_said_plainly() -> None:
    assert _ssh_failure("root@h: Permission denied (publickey).\n").startswith("authentication failed")
    assert _ssh_failure("Host key verification failed.\n").startswith("host key verification failed")
    assert _ssh_failure("ssh: connect to host h port 22: Connection refused\n") == (
        "unreachable: ssh: connect to host h port 22: Connection refused"
    )


class _RecordingHost:
    def __init__(self) -> None:
        self.commands: list[str] = []

    def run(self, command: str, *args: str) -> object:
        self.commands.append(command)
        return object()


@pytest.mark.parametrize(("sudo", "sent"), [(False, "cat %s"), (True, "sudo -n cat %s")])
def test_sudo_only_when_configured_and_never_prompting(sudo: bool, sent: str) -> None:
    conn = Connection(HostSettings(spec="local://", sudo=sudo))
    host = _RecordingHost()
    conn._host = host
    conn.run("cat %s", "/proc/loadavg")
    assert host.commands == [sent]
