"""One wallet's pages: its metrics in every window and category with how fresh its loaded
history is (`loading`), positions, trades (readable as soon as they are loaded, before any
metrics run) and the daily P&L curve. A wallet the store knows nothing of (no fills, no
metrics) is NotFound, never an empty answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from polyrank.errors import NotFound
from polyrank.render import jsonable
from polyrank.results.boards import current_run
from polyrank.results.choices import (
    DEFAULT_LIMIT,
    POSITION_STATES,
    check_choice,
    check_page,
    wallet_address,
)
from polyrank.results.tables import Rows, read, split_total
from polyrank.store import Store

FILLS_SQL = ("SELECT count() FROM fills FINAL "
             "WHERE {w:String} = '' OR maker = {w:String}")


@dataclass(frozen=True)
class WalletLoading:
    """How the wallet's history got into the store: its latest load `status` (pending, done,
    failed; None when never loaded), `loaded_to` (unix seconds: the upstream time up to which
    its history is stored; None while unknown), `loaded_at` (unix seconds: when that state was
    written), and which discovery sources found it (`discovered_by`, empty for a wallet that
    came from a wallet list only) with when they first and last saw it trade."""

    status: str | None = None
    loaded_to: int | None = None
    loaded_at: int | None = None
    discovered_by: list[str] = field(default_factory=list)
    first_seen: int | None = None
    last_seen: int | None = None


@dataclass(frozen=True)
class WalletReport:
    """Every window × category row of the wallet's metrics (`metrics`), its specialist
    figures per category (`specialists`), how many of its fills are loaded and how far its
    history is loaded (`loading`)."""

    wallet: str
    run_id: str
    as_of: int | None
    loaded_fills: int
    metrics: list[dict[str, Any]] = field(default_factory=list)
    specialists: list[dict[str, Any]] = field(default_factory=list)
    loading: WalletLoading = field(default_factory=WalletLoading)

    def metric(self, window: str = "lifetime", category: str = "all") -> dict[str, Any] | None:
        """The metrics row of one window and category, if the wallet has one."""
        return next((m for m in self.metrics
                     if m["window"] == window and m["category"] == category), None)

    def as_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe (what the API answers)."""
        return jsonable(asdict(self))


@dataclass(frozen=True)
class Positions(Rows):
    """The wallet's positions (wallet × token), open ones first."""

    wallet: str = ""
    run_id: str = ""
    as_of: int | None = None
    state: str = "all"
    total: int = 0


@dataclass(frozen=True)
class Trades(Rows):
    """The wallet's fills as loaded, newest first; `total` = all its loaded fills."""

    wallet: str = ""
    total: int = 0


@dataclass(frozen=True)
class PnlCurve(Rows):
    """Per day from the first trade to the run's as-of day: cumulative realized P&L (closed
    bets) and total P&L (mark-to-market equity)."""

    wallet: str = ""
    run_id: str = ""
    as_of: int | None = None


def loaded_fills(store: Store, wallet: str | None = None) -> int:
    """How many fills the store holds: of one wallet, or of all (None)."""
    return store.scalar(FILLS_SQL, {"w": "" if wallet is None else wallet_address(wallet)})


def loading(store: Store, address: str) -> WalletLoading:
    """How far the wallet's history is loaded and who found it (no metrics run needed)."""
    address = wallet_address(address)
    row = read(store, "wallet_loading", {"wallet": address})[0]
    return WalletLoading(**row)


def wallet(store: Store, address: str) -> WalletReport:
    """The wallet's metrics in the current run, and how far its history is loaded."""
    address = wallet_address(address)
    run, as_of = current_run(store)
    metrics = read(store, "wallet_metrics", {"run": run, "wallet": address})
    fills = loaded_fills(store, address)
    if not metrics and not fills:
        raise _unknown(address)
    return WalletReport(address, run, as_of, fills, metrics,
                        read(store, "wallet_specialists", {"run": run, "wallet": address}),
                        loading(store, address))


def positions(store: Store, address: str, *, state: str = "all", limit: int = DEFAULT_LIMIT,
              offset: int = 0) -> Positions:
    """The wallet's positions in the current run (`state`: all, open or closed)."""
    address = wallet_address(address)
    check_choice("state", state, POSITION_STATES)
    check_page(limit, offset)
    run, as_of = current_run(store)
    rows = read(store, "wallet_positions", {"run": run, "wallet": address, "state": state,
                                            "limit": limit, "offset": offset})
    _known(store, address, rows)
    total = split_total(rows)
    return Positions(rows, address, run, as_of, state, total)


def trades(store: Store, address: str, *, limit: int = DEFAULT_LIMIT,
           offset: int = 0) -> Trades:
    """The wallet's fills as loaded, newest first (no metrics run needed)."""
    address = wallet_address(address)
    check_page(limit, offset)
    rows = read(store, "wallet_trades", {"wallet": address, "limit": limit, "offset": offset})
    return Trades(rows, address, loaded_fills(store, address))


def pnl(store: Store, address: str) -> PnlCurve:
    """The wallet's daily P&L curve up to the run's as-of day."""
    address = wallet_address(address)
    run, as_of = current_run(store)
    points = read(store, "wallet_pnl", {"run": run, "wallet": address, "as_of": as_of})
    _known(store, address, points)
    return PnlCurve(points, address, run, as_of)


def _known(store: Store, address: str, rows: list) -> None:
    if not rows and not loaded_fills(store, address):
        raise _unknown(address)


def _unknown(address: str) -> NotFound:
    return NotFound(f"no trades loaded and no metrics for wallet {address}")
