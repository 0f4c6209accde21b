"""Collection snapshots: a tar of the flushed edge shard plus the REST config, with a sha256.

Files live in ``<data-dir>/snapshots/<collection>/<name>.snapshot`` with ``<name>.snapshot.checksum``
beside them, as in Qdrant. Recovery verifies the checksum, unpacks into a staging directory and
swaps the collection in (creating it when absent).

    >>> await create(store, store.get("docs"))  # doctest: +SKIP
    {'name': 'docs-0-2026-...', 'creation_time': '...', 'size': ..., 'checksum': '...'}
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import json
import shutil
import tarfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from golive.sandbox.engine import Collection, Store, validate_name
from golive.sandbox.protocol import ApiError, bad_request
from golive.sandbox.vectors import Space

DOWNLOAD_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def snapshot_root(store: Store, name: str) -> Path:
    return store.data_dir / "snapshots" / name


def staging_dir(store: Store) -> Path:
    path = store.data_dir / ".staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path) -> dict[str, Any]:
    checksum_file = path.with_name(path.name + ".checksum")
    checksum = checksum_file.read_text().strip() if checksum_file.exists() else None
    created = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).replace(tzinfo=None)
    return {
        "name": path.name,
        "creation_time": created.isoformat(timespec="seconds"),
        "size": path.stat().st_size,
        "checksum": checksum,
    }


def list_snapshots(store: Store, name: str) -> list[dict[str, Any]]:
    root = snapshot_root(store, name)
    if not root.is_dir():
        return []
    return [describe(p) for p in sorted(root.glob("*.snapshot"))]


def snapshot_path(store: Store, name: str, snapshot: str) -> Path:
    if "/" in snapshot or snapshot.startswith(".") or not snapshot.endswith(".snapshot"):
        raise ApiError(404, f"Not found: Snapshot {snapshot} not found")
    path = snapshot_root(store, name) / snapshot
    if not path.is_file():
        raise ApiError(404, f"Not found: Snapshot {snapshot} not found")
    return path


async def create(store: Store, collection: Collection) -> dict[str, Any]:
    """Flush the shard and write a checksummed tar of it."""
    await collection.settle()
    root = snapshot_root(store, collection.name)
    root.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S-%f")
    path = root / f"{collection.name}-0-{stamp}.snapshot"
    async with collection.lock:
        if collection.closed:
            raise ApiError(404, f"Not found: Collection `{collection.name}` doesn't exist!")
        await asyncio.to_thread(_write_tar, collection, path)
    return describe(path)


def _write_tar(collection: Collection, path: Path) -> None:
    collection.shard.flush()
    tmp = path.with_name(path.name + ".partial")
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:  # preallocated mmaps are mostly zeros
        tar.add(collection.directory / "config.json", arcname="config.json")
        tar.add(collection.directory / "shard", arcname="shard")
    checksum = sha256_of(tmp)
    tmp.replace(path)
    path.with_name(path.name + ".checksum").write_text(checksum + "\n")


def delete(store: Store, name: str, snapshot: str) -> None:
    path = snapshot_path(store, name, snapshot)
    path.unlink()
    path.with_name(path.name + ".checksum").unlink(missing_ok=True)


async def fetch(store: Store, location: str) -> tuple[Path, bool]:
    """A local path for ``location`` (file:// or loopback http(s)); True if it is a temporary copy."""
    try:
        parsed = urlparse(location)
        host = parsed.hostname or ""
        parsed.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise bad_request(f"invalid snapshot location {location!r}: {exc}") from None
    if parsed.scheme == "file":
        return local_snapshot(store, parsed.netloc, unquote(parsed.path)), False
    if parsed.scheme in {"http", "https"}:
        if not _is_loopback(host):
            raise bad_request(f"the sandbox only downloads snapshots from loopback, not {host!r}")
        target = staging_dir(store) / f"download-{uuid.uuid4().hex}.snapshot"
        try:
            async with (
                httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT, verify=False) as client,
                client.stream("GET", location) as response,
            ):
                if response.status_code != 200:
                    raise bad_request(f"snapshot download failed: HTTP {response.status_code}")
                with target.open("wb") as fh:
                    async for chunk in response.aiter_bytes():
                        fh.write(chunk)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            target.unlink(missing_ok=True)
            raise bad_request(f"snapshot download failed: {exc}") from None
        return target, True
    raise bad_request(f"URL {location} with scheme {parsed.scheme} is not supported")


def local_snapshot(store: Store, host: str, raw_path: str) -> Path:
    """Qdrant's rules for a ``file://`` location: absolute or on localhost, existing, inside the snapshots path.

    The file is only stat-ed and resolved here, never opened, unless it passes all three.
    """
    path = Path(raw_path)
    if host not in {"", "localhost"} or not path.is_absolute():
        raise bad_request("Invalid snapshot URI, file path must be absolute or on localhost")
    try:
        exists = path.exists()
    except (OSError, ValueError):  # e.g. a NUL byte in the path
        exists = False
    if not exists:
        raise bad_request(f'Snapshot file "{path}" does not exist')
    root = store.data_dir / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # a symlink loop, a dangling link
        raise bad_request(f'Failed to resolve snapshot path "{path}": {exc}') from None
    allowed = root.resolve()
    if not resolved.is_relative_to(allowed):
        raise ApiError(403, f'Forbidden: Snapshot file path must be inside the snapshots directory "{allowed}"')
    return resolved


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def recover(store: Store, name: str, source: Path, checksum: str | None) -> None:
    """Replace (or create) collection ``name`` with the content of snapshot file ``source``."""
    validate_name(name)
    if checksum:
        actual = await asyncio.to_thread(sha256_of, source)
        if actual != checksum.lower():
            raise bad_request(f"Checksum mismatch: expected {checksum}, actual {actual}")
    staged = staging_dir(store) / f"recover-{uuid.uuid4().hex}"
    try:
        await asyncio.to_thread(_unpack, source, staged)
        await store.replace(name, staged)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _unpack(source: Path, staged: Path) -> None:
    try:
        with tarfile.open(source, "r") as tar:
            tar.extractall(staged, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise bad_request(f"not a sandbox snapshot: {exc}") from None
    config = staged / "config.json"
    if not config.is_file() or not (staged / "shard").is_dir():
        raise bad_request("not a sandbox snapshot: config.json or shard/ missing")
    try:
        Space.of(json.loads(config.read_text()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise bad_request(f"not a sandbox snapshot: bad config.json: {exc}") from None
