"""Options of one ingest run (the CLI's flags), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from polyrank.ingest.plan import Sizing
from polyrank.upstream.retry import RetryPolicy

DEFAULT_WORKERS = 10
DEFAULT_BATCH_WALLETS = 1000
DEFAULT_BATCH_PAGES = 20
DEFAULT_HEAVY_ROWS = 200
DEFAULT_GOLDSKY_LIMIT = (50, 10.0)
#: The Data API documents 1,000 requests / 10 s for the host (200 for /trades); /activity is
#: not listed, so polyrank stays at a fifth of the host limit unless told otherwise.
DEFAULT_DATA_API_LIMIT = (200, 10.0)
DEFAULT_OVERLAP_S = 3600
#: JSON-RPC providers' free tiers allow roughly 10-30 requests a second; stay under the low end
DEFAULT_RPC_LIMIT = (10, 1.0)


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    workers: int = DEFAULT_WORKERS
    """Concurrent fetchers (the store has one writer)."""
    max_trades: int | None = None
    """Keep only each wallet's N most recent fills (recorded as truncated); None = all."""
    since: int = 0
    """Only fills at or after this unix time."""
    batch_wallets: int = DEFAULT_BATCH_WALLETS
    """At most this many wallets fetched together (one maker_in list); 1 = one request per
    wallet."""
    batch_pages: int | None = DEFAULT_BATCH_PAGES
    """Size each batch from what is known of its wallets (the store's fills, the registry's,
    or what the run measures) so that it holds about this many pages of rows; a wallet
    expected to fill that many alone leads a batch of its own. None: fixed batches of
    `batch_wallets` wallets (the loader before sizing), with `heavy_rows` splitting."""
    heavy_rows: int = DEFAULT_HEAVY_ROWS
    """Fixed batches (`batch_pages` None): a wallet with this many rows in one full batch page
    is paged alone."""
    page_size: int = 1000
    """Rows per request (graph-node's maximum `first` is 1000; smaller only in tests)."""
    refresh: bool = False
    """Fetch wallets already done again, whole (new fills are added, nothing is doubled)."""
    incremental: bool = False
    """Read wallets already loaded again only from their cursor (`loaded_to`, the upstream's
    time when their last complete load began) less `overlap_s`: what `polyrank refresh`
    does. Wallets never loaded completely are read whole."""
    overlap_s: int = DEFAULT_OVERLAP_S
    """How far before a wallet's cursor an incremental load starts reading again (rows read
    twice are recognised by id): room for a source that indexes a little late."""
    goldsky_limit: tuple[int, float] | None = DEFAULT_GOLDSKY_LIMIT
    """Client-side limit for the Goldsky host: (requests, per seconds); None = unlimited."""
    activities: bool = True
    """Also load splits, merges, redemptions and conversions (activity subgraph before the
    migration, the Data API's listing after it); off: fills only."""
    data_api: bool = True
    """Also load fills at or after the V2 migration from the Data API (per wallet)."""
    data_limit: tuple[int, float] | None = DEFAULT_DATA_API_LIMIT
    """Client-side limit for the Data API host; None = unlimited. (When both URLs point to one
    host, e.g. a replay server, the Goldsky limit governs both.)"""
    data_page_size: int = 500
    """Data API rows per request (`limit`: the host clamps anything above 500)."""
    data_max_offset: int = 5000
    """Largest `offset` the Data API accepts; deeper history is read in time windows."""
    rpc_limit: tuple[int, float] | None = DEFAULT_RPC_LIMIT
    """Client-side limit for the JSON-RPC host (with `settings.rpc_url`); None = unlimited."""
    rpc_max_span: int | None = None
    """The provider's block-range cap for `eth_getLogs`, when known (e.g. 10000); None: the
    whole range is tried first and the span is learned from the provider's refusals."""
    sweep: bool = True
    """With `settings.rpc_url` and `incremental` (a refresh): bring the wallets already
    loaded from the chain up to date with one sweep of the tape since their cursors (every
    wallet's logs, routed) instead of a scan per batch of wallets."""
    chain_v1: bool = False
    """With `settings.rpc_url`: read the V1 era (before the migration) from the chain too,
    instead of the orderbook and activity subgraphs."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    publish_every_s: float = 1.0
    """How often status.json is rewritten."""

    def __post_init__(self) -> None:
        from polyrank.errors import InvalidArgument

        if self.overlap_s < 0:
            raise InvalidArgument("overlap_s", f"overlap_s must be >= 0, got {self.overlap_s}")
        for name in ("workers", "max_trades", "batch_wallets", "batch_pages", "rpc_max_span"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidArgument(name, f"{name} must be at least 1, got {value}")

    @property
    def sized(self) -> bool:
        """Batches sized from expected rows (not fixed ones, nor one wallet per job)."""
        return bool(self.batch_pages) and not self.max_trades and self.batch_wallets > 1

    @property
    def sizing(self) -> Sizing:
        """How large a sized batch is (`batch_pages` pages of `page_size` rows, at most
        `batch_wallets` wallets)."""
        return Sizing(page=self.page_size, pages=self.batch_pages or 1,
                      max_wallets=self.batch_wallets)
