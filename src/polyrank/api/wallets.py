"""One wallet's pages: its metrics in every window and category, positions, trades (readable
as soon as they are loaded, before any metrics run) and the daily P&L curve."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from polyrank.api.reader import ApiError, Reader, check_choice, page, wallet_address

ADDRESS = Path(description="The wallet's address: 0x followed by 40 hex digits")


def wallet_routes(reader: Reader, *, limit_max: int, offset_max: int) -> APIRouter:
    router = APIRouter(prefix="/api/wallets")

    def loaded_fills(wallet: str) -> int:
        return reader.store.scalar("SELECT count() FROM fills FINAL WHERE maker = {w:String}",
                                   {"w": wallet})

    def known_or_404(wallet: str, rows: list) -> None:
        """An empty answer for a wallet the store knows nothing of is a 404, not a 200."""
        if not rows and not loaded_fills(wallet):
            raise ApiError(404, f"no trades loaded and no metrics for wallet {wallet}")

    @router.get("/{address}")
    def wallet(address: str = ADDRESS) -> dict:
        """Every window × category row of the wallet's metrics and its specialist figures;
        404 when the store knows nothing of it."""
        address = wallet_address(address)
        run, as_of = reader.run()
        metrics = reader.rows("wallet_metrics", {"run": run, "wallet": address})
        fills = loaded_fills(address)
        if not metrics and not fills:
            raise ApiError(404, f"no trades loaded and no metrics for wallet {address}")
        return {"wallet": address, "run_id": run, "as_of": as_of, "loaded_fills": fills,
                "metrics": metrics,
                "specialists": reader.rows("wallet_specialists", {"run": run,
                                                                  "wallet": address})}

    @router.get("/{address}/positions")
    def positions(
        address: str = ADDRESS,
        state: str = Query("all", description="all | open | closed"),
        limit: int = Query(100, ge=1, le=limit_max),
        offset: int = Query(0, ge=0, le=offset_max),
    ) -> dict:
        """The wallet's positions (wallet × token) in the current run: open ones first."""
        address = wallet_address(address)
        check_choice("state", state, ("all", "open", "closed"))
        run, as_of = reader.run()
        rows = reader.rows("wallet_positions", {"run": run, "wallet": address, "state": state,
                                                "limit": limit, "offset": offset})
        known_or_404(address, rows)
        return {"wallet": address, "run_id": run, "as_of": as_of, **page(rows)}

    @router.get("/{address}/trades")
    def trades(
        address: str = ADDRESS,
        limit: int = Query(100, ge=1, le=limit_max),
        offset: int = Query(0, ge=0, le=offset_max),
    ) -> dict:
        """The wallet's fills as loaded, newest first (no metrics run needed)."""
        address = wallet_address(address)
        rows = reader.rows("wallet_trades", {"wallet": address, "limit": limit,
                                             "offset": offset})
        return {"wallet": address, "total": loaded_fills(address), "rows": rows}

    @router.get("/{address}/pnl")
    def pnl(address: str = ADDRESS) -> dict:
        """Daily cumulative realized P&L (closed bets) and total P&L (mark-to-market equity)
        from the wallet's first trade to the run's as-of day."""
        address = wallet_address(address)
        run, as_of = reader.run()
        points = reader.rows("wallet_pnl", {"run": run, "wallet": address, "as_of": as_of})
        known_or_404(address, points)
        return {"wallet": address, "run_id": run, "as_of": as_of, "points": points}

    return router

