"""Parse a store DSN into what to open. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from polyrank.errors import ConfigError

EMBEDDED_SCHEMES = ("chdb",)
SERVER_SCHEMES = ("clickhouse", "clickhouses", "http", "https")


@dataclass(frozen=True)
class StoreTarget:
    kind: str  # "embedded" or "server"
    dsn: str
    path: Path | None = None  # embedded: the data folder

    @property
    def embedded(self) -> bool:
        return self.kind == "embedded"

    def describe(self) -> str:
        if self.embedded:
            return f"embedded chDB store at {self.path}"
        parts = urlsplit(self.dsn)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
        return f"ClickHouse server {parts.scheme}://{host}{port}{parts.path or ''}"


def parse_dsn(dsn: str) -> StoreTarget:
    """chdb:///abs/dir, chdb://./rel/dir or chdb://rel/dir -> embedded; clickhouse:// or
    http(s):// -> server. Anything else is a ConfigError that says what is accepted."""
    if not dsn or "://" not in dsn:
        raise ConfigError(
            f"store DSN {dsn!r} is not a DSN: use chdb:///path/to/dir (embedded) or "
            "clickhouse://user:pass@host:8123/db / http(s)://host:8123 (server)"
        )
    scheme, rest = dsn.split("://", 1)
    scheme = scheme.lower()
    if scheme in EMBEDDED_SCHEMES:
        raw = rest.split("?", 1)[0]
        if not raw:
            raise ConfigError(f"store DSN {dsn!r} names no folder: use chdb:///path/to/dir")
        return StoreTarget("embedded", dsn, Path(raw).expanduser().resolve())
    if scheme in SERVER_SCHEMES:
        if not urlsplit(dsn).hostname:
            raise ConfigError(f"store DSN {dsn!r} names no host")
        return StoreTarget("server", dsn)
    raise ConfigError(
        f"store DSN scheme {scheme!r} is not supported: use chdb://, clickhouse://, http:// or "
        "https://"
    )
