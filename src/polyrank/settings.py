"""One frozen Settings object, built once from the environment (POLYRANK_*) and CLI flags, and
passed down. Nothing else reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from polyrank.errors import ConfigError

DEFAULT_STORE_DSN = "chdb://./data/polyrank"
DEFAULT_GOLDSKY_URL = "https://api.goldsky.com"
DEFAULT_GAMMA_URL = "https://gamma-api.polymarket.com"
DEFAULT_DATA_API_URL = "https://data-api.polymarket.com"
GOLDSKY_PROJECT_PATH = "/api/public/project_cl6mb8i9h0003e201j6li0diw/subgraphs"
ORDERBOOK_SUBGRAPH = "orderbook-subgraph/0.0.1"
PNL_SUBGRAPH = "pnl-subgraph/0.0.14"
ACTIVITY_SUBGRAPH = "activity-subgraph/0.0.4"
DEFAULT_QUERY_TIMEOUT_S = 30.0
#: trade rows per slice of a metrics run's wallet steps (metrics/run.py: wallet_slices): on the
#: 10M bench world 2M took 78.7 s and 2.24 GB at peak, 1M 88.8 s and 1.95 GB (each slice pays
#: its statements' fixed costs)
DEFAULT_METRICS_SLICE_ROWS = 2_000_000
#: 2026-04-28T00:00:00Z, the V2 exchange migration (docs/protocols.md §5): the orderbook subgraph
#: indexes only fills before it; fills at or after it are loaded from the Data API.
V2_MIGRATION_TS = 1777334400


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable. Env var = POLYRANK_ + upper-case field name."""

    store_dsn: str = DEFAULT_STORE_DSN
    """Where the store lives: chdb:///path (embedded) or clickhouse://host:8123/db, http(s)://..."""
    runtime_dir: Path = Path("runtime")
    """Per-worker checkpoint and log files, status published by a running process."""
    goldsky_url: str = DEFAULT_GOLDSKY_URL
    """Base URL of the Goldsky host (the subgraph paths are appended)."""
    gamma_url: str = DEFAULT_GAMMA_URL
    """Base URL of the Gamma market catalogue."""
    data_api_url: str = DEFAULT_DATA_API_URL
    """Base URL of the Polymarket Data API."""
    rpc_url: str = ""
    """A Polygon JSON-RPC endpoint (any provider). When set, fills from the V2 migration on
    (with their fees) and activities come from the chain's logs instead of the Data API."""
    http_timeout_s: float = 30.0
    """Timeout of every upstream HTTP request."""
    query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    """Time limit of every read-only statement (`polyrank sql`, the API), in seconds."""
    gamma_page_size: int = 100
    """Items per Gamma list request (Gamma serves at most 100)."""
    gamma_max_offset: int = 2000
    """Largest offset Gamma accepts; longer listings are split into date windows."""
    api_cache_bytes: int = 64 * 2**20
    """The API's response cache (`api/cache.py`): at most this many bytes of answers are
    kept, the least recently used dropped first; 0 keeps none (ETags and 304s still work)."""
    metrics_slice_rows: int = DEFAULT_METRICS_SLICE_ROWS
    """A metrics run computes positions, bets, risk and wallet rows over slices of the wallets
    of about this many trade rows each, one slice at a time: its memory follows the slice, not
    the store (0: the whole store at once)."""
    api_cache_check_ms: int = 1000
    """How often, at most, the API re-reads which metrics run is readable and whether the
    loaded data changed: how much older than a new run a cached answer can be."""

    def subgraph_url(self, subgraph: str) -> str:
        """Full GraphQL endpoint of a subgraph, e.g. subgraph_url(ORDERBOOK_SUBGRAPH)."""
        return f"{self.goldsky_url.rstrip('/')}{GOLDSKY_PROJECT_PATH}/{subgraph}/gn"

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given non-None fields replaced (CLI flags)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from POLYRANK_* variables, then apply non-None overrides."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = env.get(f"POLYRANK_{f.name.upper()}")
        if raw is None or raw == "":
            continue
        values[f.name] = _coerce(f.name, f.type, raw)
    return replace(Settings(**values), **{k: v for k, v in overrides.items() if v is not None})


def _coerce(name: str, type_name: object, raw: str) -> object:
    kind = str(type_name)
    try:
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
        if kind == "Path":
            return Path(raw)
        if kind == "bool":
            return raw.strip().lower() in ("1", "true", "yes", "on")
    except ValueError as exc:
        raise ConfigError(f"POLYRANK_{name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
