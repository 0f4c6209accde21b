"""A throwaway CA and server certificates for the sandbox's TLS (demo runs and the suite's own tests).

    ca = make_ca(folder)                              # folder/ca.pem (+ its key, kept in memory)
    cert, key = server_cert(ca, folder, days=90)      # folder/server.pem, folder/server-key.pem for 127.0.0.1
    server_cert(ca, folder, days=-1, name="old")      # already expired

Never for anything but loopback: the CA key is not written to disk, and the files live in a run's folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CA:
    cert_file: Path
    cert: Any  # cryptography.x509.Certificate
    key: Any  # its private key


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    data: bytes = cert.public_bytes(serialization.Encoding.PEM)
    return data


def make_ca(folder: Path, common_name: str = "golive throwaway CA") -> CA:
    """A self-signed CA valid for a year; writes ``folder/ca.pem``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    folder.mkdir(parents=True, exist_ok=True)
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "ca.pem"
    path.write_bytes(_pem(cert))
    return CA(path, cert, key)


def server_cert(
    ca: CA | None, folder: Path, *, days: float = 90, name: str = "server", hosts: tuple[str, ...] = ("127.0.0.1",)
) -> tuple[Path, Path]:
    """A server certificate for ``hosts`` valid ``days`` from now (negative: expired), signed by ``ca`` or, with
    ``ca=None``, self-signed; writes ``folder/<name>.pem`` and ``folder/<name>-key.pem`` (mode 600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    folder.mkdir(parents=True, exist_ok=True)
    key = _key()
    now = dt.datetime.now(dt.UTC)
    subject = _name(hosts[0])
    alt: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    not_after = now + dt.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now, not_after) - dt.timedelta(days=2))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .sign(ca.key if ca else key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(_pem(cert))
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file
