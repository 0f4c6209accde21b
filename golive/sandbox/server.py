"""``golive sandbox``: serve the sandbox with uvicorn (argparse CLI).

$ python -m golive.sandbox --demo --port 6333
"""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from golive.sandbox.app import SandboxApp
from golive.sandbox.auth import Keys
from golive.sandbox.backups import keep_backups
from golive.sandbox.demo import load_demo
from golive.sandbox.engine import Store
from golive.sandbox.http import SandboxHttpProtocol
from golive.sandbox.lock import announce, hold_data_dir, lock_holder
from golive.sandbox.state import State

API_KEY_ENV = "QDRANT__SERVICE__API_KEY"
READ_ONLY_KEY_ENV = "QDRANT__SERVICE__READ_ONLY_API_KEY"
DEFAULT_DATA_DIR = Path(".golive/sandbox-data")
GRACEFUL_SHUTDOWN_S = 5
GC_THRESHOLD = 50_000


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, got {port}")
    return port


def _scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < scale <= 10:
        raise argparse.ArgumentTypeError(f"scale must be in (0, 10], got {scale}")
    return scale


def _file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after a graceful shutdown; the sandbox exits 0 instead."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="golive sandbox",
        description="A Qdrant-compatible REST sandbox on qdrant-edge (a test target, not Qdrant). "
        f"API keys come from ${API_KEY_ENV} and ${READ_ONLY_KEY_ENV}.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=6333, help="port (default 6333; 0 picks a free one)")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                   help=f"where shards and snapshots live (default {DEFAULT_DATA_DIR})")  # fmt: skip
    p.add_argument("--demo", action="store_true", help="create the ten demo collections (reused if present)")
    p.add_argument("--demo-scale", type=_scale, default=1.0, metavar="F", help="demo size factor (default 1.0)")
    p.add_argument("--demo-seed", type=int, default=0, metavar="N", help="demo random seed (default 0)")
    p.add_argument("--backup-every", type=float, default=0.0, metavar="S",
                   help="snapshot each collection whose newest snapshot is older than S seconds (0: off)")  # fmt: skip
    p.add_argument("--backup-copy", action="append", type=Path, default=[], metavar="DIR",
                   help="copy each new scheduled snapshot into DIR/<collection>/ (repeatable)")  # fmt: skip
    p.add_argument("--tls-cert", type=_file, metavar="F", help="PEM certificate; enables HTTPS with --tls-key")
    p.add_argument("--tls-key", type=_file, metavar="F", help="PEM private key for --tls-cert")
    p.add_argument("--cors-origin", action="extend", nargs="+", metavar="ORIGIN",
                   help="allowed CORS origin (repeatable; default: any origin, like Qdrant)")  # fmt: skip
    return p


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def configure_logging() -> None:
    """Warnings from libraries; the sandbox's own INFO lines too (demo progress, "demo ready ... on URL")."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("golive.sandbox").setLevel(logging.INFO)


def _startup(args: argparse.Namespace) -> Callable[[State], Coroutine[Any, Any, None]] | None:
    """The demo loader, followed by the scheduled backups when ``--backup-every`` is set."""
    if args.backup_every <= 0:
        return load_demo if args.demo else None

    async def demo_then_backups(state: State) -> None:
        state.backing_up, state.backup_every, state.backup_copies = True, args.backup_every, list(args.backup_copy)
        if args.demo:
            await load_demo(state)
        else:
            state.loaded = True
        await keep_backups(state)

    return demo_then_backups


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until SIGTERM / Ctrl-C; returns the exit code (2 if the port is taken, 3 if another
    sandbox serves the data dir)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    configure_logging()
    lock = hold_data_dir(args.data_dir)  # held until this process ends; two sandboxes never share a data dir
    if lock is None:
        holder = lock_holder(args.data_dir)
        who = f"golive sandbox pid {holder.pid} at {holder.url}" if holder else "another golive sandbox"
        print(f"golive sandbox: data dir {args.data_dir} is already served by {who}; stop it first", file=sys.stderr)
        return 3
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound: {exc.strerror}"
        print(f"golive sandbox: {args.host}:{args.port} {reason}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    state = State(
        store=Store(args.data_dir),
        keys=Keys(os.environ.get(API_KEY_ENV) or None, os.environ.get(READ_ONLY_KEY_ENV) or None),
        cors_origins=tuple(args.cors_origin or ["*"]),
        demo=args.demo,
        demo_scale=args.demo_scale,
        demo_seed=args.demo_seed,
    )
    scheme = "https" if args.tls_cert else "http"
    state.url = f"{scheme}://{args.host}:{port}"
    announce(lock, state.url)
    app = SandboxApp(state, on_startup=_startup(args))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=SandboxHttpProtocol,
        proxy_headers=False,  # nothing reads the client address; spares a middleware call per request
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    auth = "on" if state.keys.enabled else "off"
    print(f"golive sandbox: listening on {state.url} (api key {auth})", flush=True)
    # Fewer, later collections: the hot path allocates many short-lived objects, and a full
    # collection of the startup heap showed up as multi-millisecond p99 spikes.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    server = _Server(config)
    server.run(sockets=[sock])
    print("golive sandbox: stopped, shards flushed", flush=True)
    return 0 if server.started else 1
