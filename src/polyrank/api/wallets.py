"""One wallet's endpoints over `polyrank.results.wallets`: its metrics in every window and
category with how far its history is loaded, positions, trades (readable as soon as they are
loaded) and the daily P&L curve."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from polyrank.results import wallets
from polyrank.results.choices import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, POSITION_STATES
from polyrank.store import Store

ADDRESS = Path(description="The wallet's address: 0x followed by 40 hex digits")


def wallet_routes(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api/wallets")

    @router.get("/{address}")
    def wallet(address: str = ADDRESS) -> dict:
        """Every window × category row of the wallet's metrics and its specialist figures,
        and `loading`: its load status, `loaded_to` (unix seconds up to which its history is
        stored; null while unknown), `loaded_at`, `discovered_by` (the discovery sources that
        found it; empty for a wallet from a wallet list), `first_seen`, `last_seen`; 404 when
        the store knows nothing of it."""
        return wallets.wallet(store, address).as_dict()

    @router.get("/{address}/positions")
    def positions(
        address: str = ADDRESS,
        state: str = Query("all", description=" | ".join(POSITION_STATES)),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """The wallet's positions (wallet × token) in the current run: open ones first."""
        return wallets.positions(store, address, state=state, limit=limit,
                                 offset=offset).as_dict()

    @router.get("/{address}/trades")
    def trades(
        address: str = ADDRESS,
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """The wallet's fills as loaded, newest first (no metrics run needed)."""
        return wallets.trades(store, address, limit=limit, offset=offset).as_dict()

    @router.get("/{address}/pnl")
    def pnl(address: str = ADDRESS) -> dict:
        """Daily cumulative realized P&L (closed bets) and total P&L (mark-to-market equity)
        from the wallet's first trade to the run's as-of day."""
        curve = wallets.pnl(store, address).as_dict()
        return {"wallet": curve["wallet"], "run_id": curve["run_id"], "as_of": curve["as_of"],
                "points": curve["rows"]}

    return router
