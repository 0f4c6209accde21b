"""The plain ASGI application: routing, CORS, faults, auth, metrics and the sandbox header.

>>> app = SandboxApp(State(Store(Path("data")), Keys(None, None)))  # doctest: +SKIP
>>> uvicorn.run(app)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from golive.sandbox import (
    SANDBOX_HEADER,
    SANDBOX_HEADER_VALUE,
    cluster_ops,
    edge_errors,
    facets,
    routes,
    service,
    storage_snapshots,
    telemetry,
    validation,
)
from golive.sandbox.auth import Unauthorized, check_with_fault
from golive.sandbox.faults import precise_sleep
from golive.sandbox.protocol import ApiError, Request, Response, error, text
from golive.sandbox.state import State

log = logging.getLogger("golive.sandbox")
Handler = Callable[[State, Request], Awaitable[Response]]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

C = "/collections/{name}"
S = C + "/shards/{shard}/snapshots"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/", service.root),
    ("GET", "/healthz", service.healthz),
    ("GET", "/livez", service.healthz),
    ("GET", "/readyz", service.readyz),
    ("GET", "/metrics", service.metrics),
    ("GET", "/telemetry", telemetry.telemetry),
    ("GET", "/cluster", service.cluster),
    ("POST", "/cluster/recover", cluster_ops.recover_peer),
    ("DELETE", "/cluster/peer/{peer_id}", cluster_ops.remove_peer),
    ("GET", "/snapshots", storage_snapshots.list_full),
    ("POST", "/snapshots", storage_snapshots.create_full),
    ("GET", "/snapshots/{snapshot}", storage_snapshots.download_full),
    ("DELETE", "/snapshots/{snapshot}", storage_snapshots.delete_full),
    ("GET", "/issues", service.issues),
    ("DELETE", "/issues", service.clear_issues),
    ("GET", "/__sandbox/faults", service.get_faults),
    ("PUT", "/__sandbox/faults", service.put_faults),
    ("DELETE", "/__sandbox/faults", service.delete_faults),
    ("GET", "/collections", routes.list_collections),
    ("GET", "/aliases", routes.list_aliases),
    ("GET", C + "/aliases", routes.list_aliases),
    ("GET", C, routes.get_collection),
    ("PUT", C, routes.create_collection),
    ("PATCH", C, routes.update_collection),
    ("DELETE", C, routes.delete_collection),
    ("GET", C + "/exists", routes.collection_exists),
    ("GET", C + "/cluster", service.collection_cluster),
    ("PUT", C + "/index", routes.create_index),
    ("DELETE", C + "/index/{field}", routes.delete_index),
    ("PUT", C + "/points", routes.upsert_points),
    ("POST", C + "/points", routes.retrieve_points),
    ("GET", C + "/points/{id}", routes.get_point),
    ("POST", C + "/points/delete", routes.delete_points),
    ("POST", C + "/points/payload", routes.set_payload),
    ("PUT", C + "/points/payload", routes.set_payload),
    ("POST", C + "/points/payload/delete", routes.delete_payload),
    ("POST", C + "/points/payload/clear", routes.clear_payload),
    ("POST", C + "/points/query", routes.query_points),
    ("POST", C + "/points/query/batch", routes.query_batch),
    ("POST", C + "/points/search", routes.search_points),
    ("POST", C + "/points/search/batch", routes.search_batch),
    ("POST", C + "/points/scroll", routes.scroll_points),
    ("POST", C + "/points/count", routes.count_points),
    ("POST", C + "/snapshots", service.create_snapshot),
    ("GET", C + "/snapshots", service.list_snapshots),
    ("POST", C + "/snapshots/upload", service.upload_snapshot),
    ("PUT", C + "/snapshots/recover", service.recover_snapshot),
    ("GET", C + "/snapshots/{snapshot}", service.download_snapshot),
    ("DELETE", C + "/snapshots/{snapshot}", service.delete_snapshot),
    ("POST", C + "/facet", facets.facet),
    ("GET", S, storage_snapshots.list_shard),
    ("POST", S, storage_snapshots.create_shard),
    ("POST", S + "/upload", service.upload_shard_snapshot),
    ("PUT", S + "/recover", storage_snapshots.recover_shard),
    ("GET", S + "/{snapshot}", storage_snapshots.download_shard),
    ("DELETE", S + "/{snapshot}", storage_snapshots.delete_shard),
]
CORS_METHODS = b"GET, POST, PUT, DELETE, PATCH, OPTIONS"
MAX_BODY = 512 * 1024 * 1024
INJECTED_ERROR = "Service internal error: injected error (golive sandbox fault)"


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


class Router:
    """Templates grouped by their number of path segments, so a request tries only a handful of regexes."""

    def __init__(self, table: list[tuple[str, str, Handler]]) -> None:
        self.by_depth: dict[int, list[tuple[str, re.Pattern[str], str, Handler]]] = {}
        for method, template, handler in table:
            depth = template.count("/")
            self.by_depth.setdefault(depth, []).append((method, _compile(template), template, handler))

    def match(self, method: str, path: str) -> tuple[Handler, str, dict[str, str]] | list[str] | None:
        """(handler, template, params); the allowed methods when the path exists with others; None if unknown."""
        allowed: list[str] = []
        for m, pattern, template, handler in self.by_depth.get(path.count("/"), ()):
            found = pattern.match(path)
            if found:
                if m == method:
                    return handler, template, found.groupdict()
                allowed.append(m)
        return allowed or None


class SandboxApp:
    """ASGI callable serving :data:`ROUTES` over the shared :class:`State`."""

    def __init__(self, state: State, on_startup: Callable[[State], Coroutine[Any, Any, None]] | None = None) -> None:
        self.state = state
        self.router = Router(ROUTES)
        self.on_startup = on_startup
        self._background: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.state.store.load_all()
                    if self.on_startup is not None:
                        self._background = asyncio.create_task(self.on_startup(self.state))
                    else:
                        self.state.loaded = True
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # The demo loader stops between batches; cancelling it would leave a worker thread
                # writing into a shard that is being closed.
                self.state.stopping = True
                if self._background is not None:
                    await asyncio.gather(self._background, return_exceptions=True)
                await self.state.store.close_all()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read_body(receive)
        request = Request(scope["method"], scope["path"], scope["query_string"], headers, body, started=started)
        response, template = await self.respond(request)
        out = [
            (b"content-type", response.content_type),
            (b"content-length", str(len(response.body)).encode()),
            (SANDBOX_HEADER.encode(), SANDBOX_HEADER_VALUE.encode()),
            *response.headers,
            *self.cors_headers(headers.get("origin")),
        ]
        if template is not None:
            name = request.params.get("name")  # per-collection counters only for collections that exist (bounded)
            collection = name if name is not None and name in self.state.store.collections else None
            self.state.stats.observe(
                request.method, template, response.status, time.perf_counter() - started, collection
            )
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": response.body})

    def cors_headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        allowed = self.state.cors_origins
        if "*" in allowed:
            return [(b"access-control-allow-origin", b"*")]
        if origin in allowed:
            return [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
        return []

    async def respond(self, r: Request) -> tuple[Response, str | None]:
        s = self.state
        if r.method == "OPTIONS" and "access-control-request-method" in r.headers:
            return self.preflight(r), None
        sandbox_path = r.path.startswith("/__sandbox")
        if not sandbox_path:
            await s.faults.wait_while_hanging()
        if s.faults.applies(r.path):
            await precise_sleep(s.faults.delay_s())
            if s.faults.should_fail():
                return error(500, INJECTED_ERROR, started=r.started), None
        matched = self.router.match(r.method, r.path)
        if matched is None:  # Qdrant's API-key middleware runs before routing: no key, no 404
            return self.not_found(r), None
        if isinstance(matched, list):
            return self.not_allowed(r, matched), None
        handler, template, params = matched
        r.params = params
        try:
            check_with_fault(s.keys, s.faults.state["auth"], r.method, r.path, r.headers)
            validation.check(r, template)
            return await handler(s, r), template
        except Unauthorized as exc:
            return text(401, str(exc)), template
        except ApiError as exc:
            return error(exc.status, exc.message, started=r.started), template
        except Exception as exc:
            if (mapped := edge_errors.input_error(exc, r.params)) is not None:  # qdrant-edge refused a request value
                return error(mapped.status, mapped.message, started=r.started), template
            log.exception("unexpected error on %s %s", r.method, r.path)
            return error(500, f"Service internal error: {exc}", started=r.started), template

    def not_found(self, r: Request) -> Response:
        """An empty 404, after the API-key check (401 without a valid key, as Qdrant answers)."""
        try:
            check_with_fault(self.state.keys, self.state.faults.state["auth"], r.method, r.path, r.headers)
        except Unauthorized as exc:
            return text(401, str(exc))
        except ApiError:  # a read-only key on an unknown path: still just not found
            pass
        return text(404, "")

    def not_allowed(self, r: Request, allowed: list[str]) -> Response:
        """405 in Qdrant's error envelope, with ``allow``; auth first, as Qdrant's middleware would."""
        try:
            self.state.keys.check(r.method, r.path, r.headers)
        except Unauthorized as exc:
            return text(401, str(exc))
        except ApiError as exc:
            return error(exc.status, exc.message, started=r.started)
        methods = ", ".join(sorted(set(allowed)))
        response = error(405, f"Method Not Allowed: {r.method} {r.path} (allowed: {methods})", started=r.started)
        response.headers.append((b"allow", methods.encode()))
        return response

    def preflight(self, r: Request) -> Response:
        origin = r.headers.get("origin")
        allowed = origin is not None and ("*" in self.state.cors_origins or origin in self.state.cors_origins)
        if not allowed:
            return text(400, "CORS request forbidden: origin not allowed")
        requested = r.headers.get("access-control-request-headers", "")
        headers = {
            b"access-control-allow-methods": CORS_METHODS,
            b"access-control-allow-headers": (requested or "*").encode(),
            b"access-control-max-age": b"3600",
        }
        return text(200, "", headers)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            break
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
