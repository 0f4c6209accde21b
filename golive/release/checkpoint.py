"""The release's checkpoint: a snapshot of every expected collection through Qdrant's API, each downloaded
and verified against the checksum Qdrant reported, and a manifest the rollback hook can use.

    manifest = take_checkpoint(target, ["documents", "faq"], run_dir / "checkpoint.json", timeout=600)
    manifest["ok"], manifest["snapshots"][0]["sha256"]

Snapshots stay on the server (the rollback hook restores from them); the download is streamed through
sha256 and not kept. (golive/probes/snapshots.py, issue 13, was not on main when this was written; this
module only creates, lists and hashes.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.errors import TargetError
from golive.target import Target


def snapshot_one(target: Target, collection: str, timeout: float = 600.0) -> dict[str, Any]:
    """Create, download and hash one snapshot; the entry says what was seen (``ok`` false with ``error``)."""
    start = time.monotonic()
    entry: dict[str, Any] = {"collection": collection, "ok": False}
    name = quote(collection, safe="")
    try:
        response = target.request("POST", f"/collections/{name}/snapshots", params={"wait": "true"}, timeout=timeout)
        if response.status_code != 200:
            entry["error"] = f"create answered {response.status_code}: {response.text[:200]}"
            return entry
        info = response.json()["result"]
        entry.update(snapshot=info["name"], size=info.get("size"), checksum=info.get("checksum"))
        digest = hashlib.sha256()
        size = 0
        url = f"/collections/{name}/snapshots/{quote(info['name'], safe='')}"
        with target.http.stream("GET", url, headers=target.auth_headers(), timeout=timeout) as download:
            if download.status_code != 200:
                entry["error"] = f"download answered {download.status_code}"
                return entry
            for chunk in download.iter_bytes(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (TargetError, OSError, ValueError, KeyError) as err:
        entry["error"] = f"{type(err).__name__}: {err}"
        return entry
    finally:
        entry["duration_s"] = round(time.monotonic() - start, 3)
    entry.update(sha256=digest.hexdigest(), downloaded_size=size)
    if entry["checksum"] and entry["checksum"] != entry["sha256"]:
        entry["error"] = f"sha256 of the download {entry['sha256']} != the reported checksum {entry['checksum']}"
    elif entry["size"] is not None and entry["size"] != size:
        entry["error"] = f"downloaded {size} bytes, the server reported {entry['size']}"
    else:
        entry["ok"] = True
    return entry


def take_checkpoint(
    target: Target, collections: list[str], manifest_path: Path, timeout: float = 600.0
) -> dict[str, Any]:
    """Snapshot each collection in turn and write the manifest (also when one fails); return it."""
    snapshots = []
    for collection in collections:
        entry = snapshot_one(target, collection, timeout)
        state = "verified" if entry["ok"] else f"FAILED: {entry.get('error')}"
        print(f"golive: checkpoint {collection}: {entry.get('snapshot', '-')} {state}", flush=True)
        snapshots.append(entry)
    manifest = {
        "target": target.url,
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "ok": all(s["ok"] for s in snapshots),
        "snapshots": snapshots,
    }
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
