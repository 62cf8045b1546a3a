"""The API's answers cached per metrics run, and conditional GETs.

A metrics run's results never change: they are replaced whole by the next run. So the answer
of a cached route is kept under the version it is of — the readable run (`RUN` routes), or the
run and a fingerprint of the loaded data (`DATA` routes: a wallet's page and its trades, which
change while wallets load) — and the request's identity: its route, path parameters and query
parameters normalised (declared ones only, in a fixed order, the last value of a repeated one,
an omitted one as its default reads). Such a key also names the answer's `ETag`, so a request
whose `If-None-Match` holds it is answered 304 without touching the store.

`RunWatch` knows the version: it re-reads it (`cache_version.sql`, one statement over metadata)
at most once every `api_cache_check_ms` — with an embedded store, which only this process can
write, only once `Store.writes` moved — or at the next request after `expire()` (a pipeline of
this process finished), and never waits for the store: while another thread's statement
runs, the version last read stands and the store is asked again `BUSY_RETRY_S` later. Hence
the staleness bound: a cached answer is at most one check interval older than a change of run
or data, counted from when the store is next free (give or take `BUSY_RETRY_S`).

`CacheMiddleware` serves the cached routes: a hit answers the stored bytes from the event
loop, never waiting on the store's lock (a pipeline in the same process may hold it for a
long statement); a miss runs the route and keeps a 200's body (errors are never kept). The
cache is an LRU bounded in bytes (`api_cache_bytes`; 0 keeps nothing). Other routes
(`/api/status`, `/api/meta`, the page) pass through untouched."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from fastapi import FastAPI
from starlette.routing import compile_path

from polyrank.errors import StoreError
from polyrank.settings import Settings
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)

#: What a cached route's answer depends on: the metrics run alone, or also the loaded data.
RUN, DATA = "run", "data"
#: Data that changes per run, at unknown times: clients may keep it and revalidate each time.
CACHE_CONTROL = b"no-cache"
#: What one kept answer costs beyond its body (key, headers, bookkeeping), roughly.
ENTRY_OVERHEAD = 512
#: How soon the version is asked again when the store was busy.
BUSY_RETRY_S = 0.05


@dataclass(frozen=True)
class Version:
    """What the store's answers are of: the readable metrics run and the loaded data."""

    run: str
    data: str

    def of(self, kind: str) -> str:
        return self.run if kind == RUN else f"{self.run}|{self.data}"


#: The store was busy: the version could not be read without waiting.
BUSY = object()


def read_version(store: Store) -> Version | object | None:
    """The store's version, None before the first metrics run (or when it cannot be read),
    BUSY when another thread holds the store."""
    with store.idle() as free:
        if not free:
            return BUSY
        try:
            run, data = store.rows(load_sql("polyrank.api", "cache_version.sql"))[0]
        except StoreError as exc:
            log.debug("cache: the version could not be read: %s", exc)
            return None
    return Version(run, data) if run else None


class RunWatch:
    """The version the cached answers are of, re-read by `check()` when `due()`: at most every
    `every_s` seconds, or at once after `expire()`. With `changes` (a count of the writes that
    could change it: an embedded store's, which no other process can write) only once that
    count moved since the last read."""

    def __init__(self, read: Callable[[], Version | object | None], every_s: float,
                 changes: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read, self._every, self._changes, self._clock = read, every_s, changes, clock
        self._next = float("-inf")
        self._seen: int | None = None   # `changes` at the last read
        self._checking = threading.Lock()
        self.version: Version | None = None

    def due(self) -> bool:
        return self._clock() >= self._next and (self._changes is None
                                                or self._changes() != self._seen)

    def expire(self) -> None:
        """Re-read the version at the next request (a pipeline of this process wrote)."""
        self._next, self._seen = float("-inf"), None

    def check(self) -> Version | None:
        """Re-read the version when due; while another thread re-reads it, or the store is busy,
        the version last read stands (a busy store is asked again after `BUSY_RETRY_S`)."""
        if not self._checking.acquire(blocking=False):
            return self.version
        try:
            if self.due():
                seen = self._changes() if self._changes else None
                found = self._read()
                if found is BUSY:
                    self._next = self._clock() + min(self._every, BUSY_RETRY_S)
                else:
                    self.version, self._next = found, self._clock() + self._every
                    self._seen = seen
        finally:
            self._checking.release()
        return self.version


@dataclass(frozen=True)
class Entry:
    """A kept answer: its response headers and body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD


class ResponseCache:
    """Answers by ETag, least recently used dropped first beyond `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, tag: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(tag)
            if entry is not None:
                self._entries.move_to_end(tag)
            return entry

    def put(self, tag: str, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            if (old := self._entries.pop(tag, None)) is not None:
                self._bytes -= old.size
            self._entries[tag] = entry
            self._bytes += entry.size
            while self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1].size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class CachedRoute:
    """One cached route: its path template, what its answers depend on (`kind`), and its
    query parameters with their defaults as given values would read (from the OpenAPI
    schema), which normalise a request's query string."""

    def __init__(self, path: str, kind: str, defaults: Mapping[str, str]) -> None:
        self.path, self.kind, self.defaults = path, kind, dict(defaults)
        self._regex = compile_path(path)[0]

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` is this route's, else None."""
        found = self._regex.match(path)
        return found.groupdict() if found else None

    def identity(self, path_params: Mapping[str, str], query_string: bytes) -> str:
        """The request as its answer depends on it: the route, the path parameters and the
        declared query parameters (the last value of a repeated one, as the route reads it;
        an omitted one as its default)."""
        given = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        query = [(name, given.get(name, default)) for name, default in self.defaults.items()]
        return repr((self.path, sorted(path_params.items()), query))


def query_defaults(operation: Mapping[str, Any]) -> dict[str, str]:
    """An OpenAPI operation's query parameters, each with its default as the same value
    given in a query string reads when it reads one way only (a string, an integer); any
    other default, or none, gets a mark no given value has."""
    found = {}
    for param in operation.get("parameters", ()):
        if param.get("in") == "query":
            default = param.get("schema", {}).get("default")
            plain = isinstance(default, str) or (isinstance(default, int)
                                                 and not isinstance(default, bool))
            found[param["name"]] = str(default) if plain else f"\0{default!r}"
    return found


def etag(version: Version, route: CachedRoute, identity: str) -> str:
    """The answer's entity tag: the run it is of, and a digest of its version and identity."""
    digest = hashlib.blake2b(f"{version.of(route.kind)}\0{identity}".encode(),
                             digest_size=12).hexdigest()
    return f'"{version.run}.{digest}"'


def if_none_match(header: str, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (weak comparison, as for a GET)."""
    return any(part.strip().removeprefix("W/") == tag for part in header.split(","))


class CacheMiddleware:
    """ASGI middleware serving `routes` from `cache` under `watch`'s version."""

    def __init__(self, app: Any, *, routes: list[CachedRoute], cache: ResponseCache,
                 watch: RunWatch) -> None:
        self.app, self.routes, self.cache, self.watch = app, routes, cache, watch
        self._run: str | None = None
        # the version's checks get a thread of their own: never queued behind route handlers
        # that wait for a busy store in the shared thread pool
        self._checker: anyio.CapacityLimiter | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        found = self._match(scope) if scope["type"] == "http" and scope["method"] == "GET" \
            else None
        if found is None:
            return await self.app(scope, receive, send)
        if self.watch.due():
            self._checker = self._checker or anyio.CapacityLimiter(1)
            await anyio.to_thread.run_sync(self.watch.check, limiter=self._checker)
        version = self.watch.version
        if version is None:   # no metrics run yet: every route answers for itself (503)
            return await self.app(scope, receive, send)
        if version.run != self._run:   # a new run: the old answers go at once
            self.cache.clear()
            self._run = version.run
        route, path_params = found
        tag = etag(version, route, route.identity(path_params, scope["query_string"]))
        headers = ((b"etag", tag.encode()), (b"cache-control", CACHE_CONTROL))
        asked = next((v.decode("latin-1") for k, v in scope["headers"]
                      if k == b"if-none-match"), None)
        if asked is not None and if_none_match(asked, tag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            return await send({"type": "http.response.body", "body": b""})
        if (entry := self.cache.get(tag)) is not None:
            await send({"type": "http.response.start", "status": 200,
                        "headers": entry.headers})
            return await send({"type": "http.response.body", "body": entry.body})
        await self.app(scope, receive, self._keeping(send, tag, headers))

    def _match(self, scope: dict) -> tuple[CachedRoute, Mapping[str, str]] | None:
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        for route in self.routes:
            if (params := route.match(path)) is not None:
                return route, params
        return None

    def _keeping(self, send: Callable, tag: str,
                 headers: tuple[tuple[bytes, bytes], ...]) -> Callable:
        """`send`, adding the ETag to a 200 and keeping its body under it."""
        kept: dict[str, Any] = {}

        async def keeping(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"] = kept["headers"] = (*message.get("headers", ()), *headers)
                kept["body"] = []
            elif message["type"] == "http.response.body" and "body" in kept:
                kept["body"].append(message.get("body", b""))
                if not message.get("more_body"):
                    self.cache.put(tag, Entry(tuple(kept["headers"]), b"".join(kept["body"])))
            await send(message)

        return keeping


def install_cache(app: FastAPI, store: Store | None, settings: Settings,
                  kinds: Mapping[str, str]) -> RunWatch | None:
    """Serve the routes of `app` whose paths `kinds` names (path -> RUN or DATA) from a
    response cache (`app.state.response_cache`); returns the watch (`app.state.cache_watch`),
    which `serving.ApiServer` expires when a pipeline of its process finishes. An app without
    a store (one that only checks parameters) has nothing to cache."""
    if store is None:
        return None
    paths = app.openapi()["paths"]
    routes = [CachedRoute(path, kind, query_defaults(paths[path]["get"]))
              for path, kind in kinds.items()]
    watch = RunWatch(lambda: read_version(store), settings.api_cache_check_ms / 1000,
                     changes=(lambda: store.writes) if store.target.embedded else None)
    cache = ResponseCache(settings.api_cache_bytes)
    app.add_middleware(CacheMiddleware, routes=routes, cache=cache, watch=watch)
    app.state.cache_watch, app.state.response_cache = watch, cache
    return watch
