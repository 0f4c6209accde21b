"""The demo's scheduled backups, kept the way the seed deployment keeps them.

With ``--backup-every S`` the sandbox snapshots each collection (not the golive probe collections) into its
snapshots path ``<data-dir>/snapshots/<collection>/`` whenever the newest snapshot there is older than ``S``,
and copies it with its ``.checksum`` file into every ``--backup-copy DIR`` as ``DIR/<collection>/<name>``
(the seed's ``/opt/qdrant/snapshots`` and ``/opt/qdrant/secondary``). Older snapshots of those collections are
pruned in every location once the new one is copied. The first round runs at startup, before ``/readyz`` says
ready, so a run a week after the demo data was built still finds fresh snapshots; later rounds are checked
every minute and run only when due (rarely: ``golive run`` passes half of ``backups.max_age``).

Two faults act on these files (``golive.sandbox.faults``): ``stale_backups: {collection: seconds}`` ages every
snapshot file of the collection in every location by that much and stops its renewal; ``missing_copies:
[collection]`` removes the newest copy from the further locations and stops copying it. Clearing them runs a
round at once, which renews and copies again.

    >>> state.backup_every, state.backup_copies = 13 * 3600, [Path("/tmp/secondary")]  # doctest: +SKIP
    >>> await keep_backups(state)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from pathlib import Path

from golive.sandbox import snapshots
from golive.sandbox.state import State

log = logging.getLogger("golive.sandbox")
PROBE_PREFIX = "golive_probe_"
CHECK_EVERY_S = 60.0


def newest(directory: Path) -> Path | None:
    files = sorted(directory.glob("*.snapshot"), key=lambda p: p.stat().st_mtime) if directory.is_dir() else []
    return files[-1] if files else None


def _copy(source: Path, directory: Path) -> None:
    """``source`` and its checksum into ``directory`` (mtime kept), written under a temporary name first."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in (source.with_name(source.name + ".checksum"), source):
        tmp = directory / f".{path.name}.partial"
        shutil.copy2(path, tmp)
        tmp.replace(directory / path.name)


def _prune(directory: Path, keep: str) -> None:
    for path in directory.glob("*.snapshot") if directory.is_dir() else ():
        if path.name != keep:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".checksum").unlink(missing_ok=True)


def _age(directories: list[Path], seconds: float) -> None:
    stamp = time.time() - seconds
    for directory in directories:
        for path in directory.glob("*.snapshot*") if directory.is_dir() else ():
            os.utime(path, (stamp, stamp))


async def apply_faults(state: State) -> None:
    """Make the backup faults true on disk, then run a round (which renews what no fault covers any more)."""
    if state.backup_every <= 0:
        return
    async with state.backup_lock:
        for name, seconds in state.faults.state["stale_backups"].items():
            dirs = [snapshots.snapshot_root(state.store, name), *(d / name for d in state.backup_copies)]
            await asyncio.to_thread(_age, dirs, seconds)
        for name in state.faults.state["missing_copies"]:
            latest = newest(snapshots.snapshot_root(state.store, name))
            for directory in state.backup_copies:
                for path in [directory / name / f"{latest.name}{ext}" for ext in ("", ".checksum")] if latest else []:
                    path.unlink(missing_ok=True)
        await _round(state)


async def backup_round(state: State) -> list[str]:
    """Snapshot every collection whose newest snapshot is older than ``every``; copy and prune. Returns names."""
    async with state.backup_lock:
        return await _round(state)


async def _round(state: State) -> list[str]:
    made = []
    every, copies = state.backup_every, state.backup_copies
    stale, missing = state.faults.state["stale_backups"], state.faults.state["missing_copies"]
    for name in state.store.names():
        if name.startswith(PROBE_PREFIX) or name in stale or state.stopping:
            continue
        root = snapshots.snapshot_root(state.store, name)
        latest = newest(root)
        if latest is None or time.time() - latest.stat().st_mtime > every:
            collection = state.store.collections.get(name)
            if collection is None:
                continue
            described = await snapshots.create(state.store, collection)
            latest = root / described["name"]
            made.append(name)
        for directory in copies if name not in missing else ():
            if not (directory / name / latest.name).is_file():
                await asyncio.to_thread(_copy, latest, directory / name)
        for directory in [root, *(d / name for d in copies)]:
            await asyncio.to_thread(_prune, directory, latest.name)
    return made


async def keep_backups(state: State) -> None:
    """One round now, then one whenever due, until the sandbox stops. Errors are logged, never fatal."""
    while not state.stopping:
        started = time.perf_counter()
        try:
            made = await backup_round(state)
            if made:
                log.info("backups: snapshotted %d collection(s) in %.1f s", len(made), time.perf_counter() - started)
        except Exception:
            log.exception("backups: a round failed")
        state.backing_up = False
        deadline = time.monotonic() + min(state.backup_every, CHECK_EVERY_S)
        while not state.stopping and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
