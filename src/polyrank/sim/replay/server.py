"""The replay HTTP server: one loopback port serving Goldsky, Gamma, the Data API and
Polygon JSON-RPC.

    serve(world_dir, host, port, faults, port_file=None)   blocking, for the CLI
    with ReplayServer(world_dir, faults=...) as srv:        a background thread, for tests
        srv.url, srv.subgraph_url("orderbook-subgraph"), srv.rpc_url, srv.stats(), srv.reset()

Their real paths do not collide, so a client points every base URL at `srv.url` (the chain
client at `srv.rpc_url`, `srv.url + "/rpc"`).
`/_replay/stats`, `/_replay/reset`, `/_replay/info` and `/_replay/clock` are never rate limited
nor faulted. `ReplayServer(world, clock=T, speed=N)` (or `POST /_replay/clock?at=T&speed=N`)
serves the world as of a moving time T (docs/replay.md, "Clock").
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from polyrank.errors import PolyrankError
from polyrank.sim.replay import chain, data_api, gamma, goldsky
from polyrank.sim.replay.clock import ReplayClock, parse_time
from polyrank.sim.replay.faults import (
    MALFORMED_BODIES,
    FaultConfig,
    RateLimiter,
    gateway_body,
    plan_fault,
    retry_after_header,
)
from polyrank.sim.replay.loader import WorldFiles, load_world
from polyrank.sim.replay.stats import ReplayStats

log = logging.getLogger("polyrank.sim.replay")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_URL_BYTES = 8192  # longer request targets answer 414 (real limit unverified)
CLIENT_HEADER = "X-Replay-Client"  # optional: tests simulate several clients on one address


@dataclass(frozen=True, kw_only=True)
class ServiceLimits:
    """Limits of the real services the replay enforces (see docs/replay.md for sources)."""

    max_first: int = goldsky.DEFAULT_MAX_FIRST
    max_skip: int = goldsky.DEFAULT_MAX_SKIP
    gamma: gamma.GammaLimits = field(default_factory=gamma.GammaLimits)
    data_api: data_api.DataApiLimits = field(default_factory=data_api.DataApiLimits)
    chain: chain.ChainLimits = field(default_factory=chain.ChainLimits)
    max_url_bytes: int = DEFAULT_MAX_URL_BYTES


class ReplayState:
    """Everything the handlers share: the served world, fault config, limiter and stats."""

    def __init__(self, world: WorldFiles, faults: FaultConfig, limits: ServiceLimits,
                 clock: Callable[[], float] = time.monotonic, *,
                 world_clock: ReplayClock | None = None) -> None:
        started = time.monotonic()
        self.world, self.faults, self.limits = world, faults, limits
        self.world_clock = world_clock or ReplayClock()
        if self.world_clock.cap is None:
            self.world_clock.cap = world.chain.head_ts
        now = self.world_clock.now
        self.subgraphs = goldsky.build_subgraphs(world, max_first=limits.max_first,
                                                 max_skip=limits.max_skip, now=now)
        self.catalogue = gamma.Catalogue(world.events, world.markets, world.fills)
        self.data_api = data_api.DataApi(world, limits.data_api, now=now)
        self.rpc = chain.ChainRpc(world, limits.chain, now=now)
        self.limiter = RateLimiter(faults.rate_limit, faults.rate_window_s, clock)
        self.stats = ReplayStats()
        self._seq = 0
        self._lock = threading.Lock()
        self.load_seconds = time.monotonic() - started
        log.info("replay indexes built in %.2fs", self.load_seconds)

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def reset(self) -> None:
        with self._lock:
            self._seq = 0
        self.stats.reset()
        self.limiter.reset()


def _route_key(request: web.Request) -> str:
    route = request.match_info.route
    name = getattr(route, "name", None)
    if name in ("goldsky", "goldsky-get"):
        info = request.match_info
        return f"goldsky:{info.get('name')}/{info.get('version')}"
    if not name:
        return "unmatched"
    if name == "rpc":
        return "rpc"  # the middleware names it after the body's method (chain.route_key)
    return f"{name.split('.')[0]}:{route.resource.canonical}"


def _make_middleware(state: ReplayState):
    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if request.path.startswith("/_replay/"):
            return await handler(request)
        seq = state.next_seq()
        started = time.perf_counter()
        route = _route_key(request)
        status: int | None = None
        fault: str | None = None
        payload = None
        if route == "rpc":
            payload = chain.parse_body(await request.read())
            request[chain.PAYLOAD_KEY] = payload
            route = chain.route_key(payload, set(state.rpc.methods))
        rpc = payload is not None
        try:
            if len(request.raw_path) > state.limits.max_url_bytes:
                status = 414
                return web.Response(status=414, content_type="text/html",
                                    text="<html><head><title>414 Request-URI Too Large</title>"
                                         "</head><body><center><h1>414 Request-URI Too Large"
                                         "</h1></center></body></html>")
            client = request.headers.get(CLIENT_HEADER) or request.remote or "?"
            wait = state.limiter.check(client)
            if wait is not None:
                status, fault = 429, "rate_limited"
                body = (chain.error_answer(payload, -32005, "request rate limited") if rpc
                        else {"error": "Too Many Requests"})
                return web.json_response(body, status=429,
                                         headers={"Retry-After": retry_after_header(wait)})
            plan = plan_fault(state.faults, seq, goldsky=route.startswith("goldsky"), rpc=rpc)
            if plan.delay_s:
                await asyncio.sleep(plan.delay_s)
            fault = plan.kind
            if plan.kind == "dropped":
                request.transport.close()
                return web.Response(status=204)
            if plan.kind == "http_5xx":
                status = plan.status
                ctype, body = gateway_body(plan.status, request.host, seq)
                return web.Response(status=plan.status, text=body, content_type=ctype,
                                    headers={"Server": "cloudflare"})
            if plan.kind == "query_timeout":
                status = 200
                if rpc:
                    return web.json_response(chain.error_answer(payload, -32000,
                                                                "request timed out"))
                return web.json_response({"errors": [{"message": "Query timed out"}]})
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                status = exc.status
                raise
            status = response.status
            if plan.kind == "malformed":
                garbage = MALFORMED_BODIES[plan.variant % len(MALFORMED_BODIES)]
                return web.Response(status=200, body=garbage, content_type="application/json")
            if plan.kind == "truncated":
                return await _truncated(request, response, plan.variant)
            if plan.kind is not None:
                fault = None  # e.g. a timeout planned for a non-Goldsky route
            return response
        finally:
            state.stats.record(route, None if fault == "dropped" else status, fault,
                               time.perf_counter() - started)

    return middleware


async def _truncated(request: web.Request, response: web.Response,
                     variant: int) -> web.StreamResponse:
    body = response.body if isinstance(response.body, bytes) else b""
    cut = variant % max(1, len(body))  # strictly shorter than the announced length
    stream = web.StreamResponse(status=response.status,
                                headers={"Content-Type": response.content_type})
    stream.content_length = max(len(body), 1)
    await stream.prepare(request)
    if cut:
        await stream.write(body[:cut])
    request.transport.close()
    return stream


def _control_routes(state: ReplayState) -> list[web.RouteDef]:
    async def stats(request: web.Request) -> web.Response:
        times = request.query.get("times", "") in ("1", "true")
        return web.json_response(state.stats.snapshot(times=times))

    async def reset(request: web.Request) -> web.Response:
        state.reset()
        return web.json_response({"reset": True})

    async def info(request: web.Request) -> web.Response:
        return web.json_response({
            "world": str(state.world.path), "counts": state.world.meta.get("counts"),
            "subgraphs": [goldsky.subgraph_path(n, v) for n, v in state.subgraphs],
            "rpc": chain.RPC_PATH, "head_block": state.rpc.head(),
            "load_seconds": round(state.load_seconds, 3),
        })

    async def clock(request: web.Request) -> web.Response:
        if request.method == "POST":
            raw_at, raw_speed = request.query.get("at"), request.query.get("speed")
            try:
                if raw_at is None:  # only a new speed: from the current T
                    at = state.world_clock.now()
                else:
                    at = None if raw_at in ("", "none", "null") else parse_time(raw_at)
                speed = None if raw_speed in (None, "") else float(raw_speed)
                state.world_clock.set(at, speed)
            except ValueError as e:
                return web.json_response({"error": str(e)}, status=400)
        return web.json_response(state.world_clock.snapshot())

    return [web.get("/_replay/stats", stats), web.post("/_replay/reset", reset),
            web.get("/_replay/reset", reset), web.get("/_replay/info", info),
            web.get("/_replay/clock", clock), web.post("/_replay/clock", clock)]


def build_app(state: ReplayState) -> web.Application:
    app = web.Application(middlewares=[_make_middleware(state)],
                          client_max_size=8 * 1024 * 1024)
    app.add_routes(_control_routes(state))
    app.add_routes(goldsky.routes(state.subgraphs))
    app.add_routes(gamma.routes(state.catalogue, state.limits.gamma, state.world_clock.now))
    app.add_routes(data_api.routes(state.data_api))
    app.add_routes(chain.routes(state.rpc, state.stats.count_rpc))
    return app


def _runner(app: web.Application, limits: ServiceLimits) -> web.AppRunner:
    line = max(limits.max_url_bytes * 4, 65536)  # let long URLs reach us, to answer 414
    return web.AppRunner(app, access_log=None, max_line_size=line, max_field_size=line)


def _write_port_file(port_file: Path, port: int) -> None:
    tmp = port_file.with_name(port_file.name + ".tmp")
    tmp.write_text(f"{port}\n")
    os.replace(tmp, port_file)


def serve(world_dir: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          faults: FaultConfig | None = None, port_file: Path | str | None = None, *,
          limits: ServiceLimits | None = None, clock: int | None = None,
          speed: float = 0.0) -> None:
    """Serve a world until interrupted (Ctrl-C / SIGTERM). `port=0` picks a free port; the
    bound port is written to `port_file` (atomically) once the server accepts connections.
    `clock` (unix seconds) serves the world as of that time, advancing `speed` world-seconds
    per wall-second."""
    limits = limits or ServiceLimits()
    state = ReplayState(load_world(world_dir), faults or FaultConfig(), limits,
                        world_clock=ReplayClock(clock, speed))

    async def main() -> None:
        runner = _runner(build_app(state), limits)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as e:
            await runner.cleanup()
            raise PolyrankError(f"the replay cannot listen on {host}:{port}: "
                                f"{e.strerror or e}") from None
        bound = site._server.sockets[0].getsockname()[1]
        if port_file:
            _write_port_file(Path(port_file), bound)
        log.info("replay: serving %s on http://%s:%d", world_dir, host, bound)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        log.info("replay: stopped")


class ReplayServer:
    """Run the replay server on 127.0.0.1 in a background thread (for tests and benches)."""

    def __init__(self, world: Path | str | WorldFiles, *, faults: FaultConfig | None = None,
                 limits: ServiceLimits | None = None, host: str = DEFAULT_HOST,
                 port: int = 0, clock: int | None = None, speed: float = 0.0) -> None:
        world_files = world if isinstance(world, WorldFiles) else load_world(world)
        self.limits = limits or ServiceLimits()
        self.state = ReplayState(world_files, faults or FaultConfig(), self.limits,
                                 world_clock=ReplayClock(clock, speed))
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def rpc_url(self) -> str:
        """The Polygon JSON-RPC endpoint (docs/replay.md, "Chain (JSON-RPC)")."""
        return self.url + chain.RPC_PATH

    def subgraph_url(self, name: str) -> str:
        version = {n: v for n, v in self.state.subgraphs}[name]
        return self.url + goldsky.subgraph_path(name, version)

    def stats(self, *, times: bool = False) -> dict:
        return self.state.stats.snapshot(times=times)

    def set_clock(self, at: int | None, speed: float | None = None) -> None:
        """Serve the world as of `at` (None: the whole world), like POST /_replay/clock."""
        self.state.world_clock.set(at, speed)

    @property
    def clock(self) -> int | None:
        return self.state.world_clock.now()

    def reset(self) -> None:
        self.state.reset()

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._run, name="replay-server", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            runner = _runner(build_app(self.state), self.limits)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, self.port)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            self._runner = runner
        except BaseException as e:  # reported to the starting thread
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def close(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
