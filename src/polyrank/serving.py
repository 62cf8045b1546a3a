"""The API on loopback in a background thread of this process, so one process can load the
embedded store (which only it may open) and serve the page that shows the loading progress:
`polyrank serve --pipeline`, the demo, the browser test and the API benchmark use it."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

from polyrank.errors import PolyrankError
from polyrank.runtime_files import SERVING_FILE, write_json_atomic
from polyrank.settings import Settings
from polyrank.store import Store

log = logging.getLogger(__name__)


class ApiServer:
    """`with ApiServer(store, host, port) as srv: srv.url` — uvicorn in a daemon thread; port 0
    picks a free one. Leaving the block stops it. `settings` size the API's response cache."""

    def __init__(self, store: Store, *, host: str = "127.0.0.1", port: int = 8000,
                 runtime_dir: Path | None = None, settings: Settings | None = None) -> None:
        import uvicorn

        from polyrank.api.app import create_app

        self.runtime_dir = runtime_dir
        self.app = create_app(store, runtime_dir, settings)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="polyrank-api", daemon=True)
        # set once the server's thread has finished (closing its socket): what stop() waits
        # for. Not Thread.is_alive(): after a join() that Ctrl-C interrupted, Python 3.11
        # can report the thread gone while uvicorn still shuts down, and closing the socket
        # under it then printed a traceback (ValueError: Invalid file descriptor: -1)
        self._done = threading.Event()
        self._socket: socket.socket | None = None
        self.host, self.port = host, port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> ApiServer:
        """Listen, waiting until the socket is bound; a started server is returned as is."""
        if self._thread.is_alive():
            return self
        self._socket = listening_socket(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise PolyrankError(f"the API server did not start on {self.url}")
            time.sleep(0.02)
        self._publish(running=True)
        return self

    def _publish(self, *, running: bool) -> None:
        """Say in the runtime folder where this process serves the store it holds, so that
        `polyrank status` in another process asks this API (stages.pipeline_status)."""
        if self.runtime_dir is None:
            return
        try:
            write_json_atomic(self.runtime_dir / SERVING_FILE,
                              {"pid": os.getpid(), "running": running, "url": self.url})
        except OSError as exc:
            log.warning("cannot publish where the API serves in %s (%s): `polyrank status` "
                        "will not find it", self.runtime_dir, exc)

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._done.set()

    def data_changed(self) -> None:
        """A pipeline of this process finished: the cached answers are checked against the
        store's readable run at the next request instead of within the check interval."""
        self.app.state.cache_watch.expire()

    def wait(self) -> None:
        """Serve until interrupted: Ctrl-C is the normal way to stop serving, so it returns
        (the caller exits 0) instead of raising."""
        try:
            while not self._done.wait(0.5):
                pass
        except KeyboardInterrupt:
            log.info("stopped serving %s (Ctrl-C)", self.url)
        finally:
            self.stop()

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.ident is not None:   # (started)
            self._done.wait(10)
        self._publish(running=False)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port), made here rather than in the server's thread so
    that an address that cannot be had says why (in use, not an address of this machine,
    not a port) to the caller."""
    def refused(reason: object) -> PolyrankError:
        return PolyrankError(f"the API server cannot listen on {host}:{port}: {reason}")

    if not 0 <= port <= 65535:  # getaddrinfo would take 99999 for 34463
        raise refused("a port is 0 (any free one) to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise refused(e.strerror or e) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise refused(e.strerror or e) from None
    return sock
