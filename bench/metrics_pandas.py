"""A straightforward pandas implementation of positions -> bets -> lifetime omega, the
baseline bench/metrics.py compares the SQL against (same rules as docs/metrics.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

DUST_MICRO = 0.01 * 1_000_000


def catalogue(world: Path) -> pd.DataFrame:
    events = {e["id"]: e for e in map(json.loads, (world / "events.jsonl").open())}
    rows = []
    for m in map(json.loads, (world / "markets.jsonl").open()):
        bet = m["neg_risk_market_id"] if m["neg_risk"] else m["condition_id"]
        for i, token in enumerate(m["token_ids"]):
            payout = (m["payout_numerators"][i] / m["payout_denominator"]
                      if m["payout_numerators"] is not None else np.nan)
            rows.append((token, m["condition_id"], bet, events[m["event_id"]]["category"],
                         payout, m["closed_ts"] if m["payout_numerators"] else np.nan))
    return pd.DataFrame(rows, columns=["token", "condition", "bet", "category", "payout",
                                       "resolved_ts"])


def decode(world: Path) -> pd.DataFrame:
    f = pd.read_parquet(world / "fills.parquet", columns=[
        "id", "timestamp", "maker", "maker_asset_id", "taker_asset_id", "maker_amount_filled",
        "taker_amount_filled", "fee", "version"])
    buy = f["maker_asset_id"] == "0"
    v2 = f["version"] == 2
    out = pd.DataFrame({
        "wallet": f["maker"], "id": f["id"], "ts": f["timestamp"], "buy": buy,
        "token": np.where(buy, f["taker_asset_id"], f["maker_asset_id"]),
        "shares": np.where(buy, f["taker_amount_filled"], f["maker_amount_filled"]),
        "usdc": np.where(buy, f["maker_amount_filled"], f["taker_amount_filled"]),
    })
    out["received"] = np.where(buy, np.where(v2, out["shares"], out["shares"] - f["fee"]), 0)
    out["cash"] = np.where(buy, np.where(v2, out["usdc"] + f["fee"], out["usdc"]),
                           out["usdc"] - f["fee"])
    return out


def fold(group: pd.DataFrame) -> pd.Series:
    amount, avg, realized, cost = 0, 0.0, 0.0, 0
    for buy, received, cash, shares in zip(group["buy"].to_numpy(), group["received"].to_numpy(),
                                           group["cash"].to_numpy(), group["shares"].to_numpy(),
                                           strict=True):
        if buy:
            total = amount + received
            if total > 0:
                avg = (avg * amount + cash) / total
            amount, cost = total, cost + cash
        else:
            sold = min(shares, amount)
            if shares > 0:
                realized += sold * (cash / shares - avg) / 1e6
            amount -= sold
    return pd.Series({"amount": amount, "avg": avg, "realized": realized, "cost": cost / 1e6,
                      "last_ts": group["ts"].iloc[-1]})


def lifetime_omega(world: Path) -> pd.DataFrame:
    trades = decode(world).merge(catalogue(world), on="token", how="left")
    trades = trades.sort_values(["wallet", "token", "ts", "id"], kind="stable")
    keys = trades[["wallet", "token", "condition", "bet", "payout", "resolved_ts"]]
    pos = trades.groupby(["wallet", "token"], sort=False).apply(fold, include_groups=False)
    pos = pos.join(keys.drop_duplicates(["wallet", "token"]).set_index(["wallet", "token"]))
    resolved = pos["payout"].notna()
    pos["realized"] += np.where(resolved, pos["amount"] * (pos["payout"] - pos["avg"]) / 1e6, 0)
    pos["closed_ts"] = np.where(pos["amount"] <= DUST_MICRO, pos["last_ts"],
                                np.where(resolved, pos["resolved_ts"], np.nan))
    pos = pos.reset_index()
    bets = pos.groupby(["wallet", "bet"]).agg(pnl=("realized", "sum"), cost=("cost", "sum"),
                                              open=("closed_ts", lambda s: s.isna().any()))
    closed = bets[~bets["open"]].reset_index()

    def omega(g: pd.DataFrame) -> pd.Series:
        gains, losses = g.pnl[g.pnl > 0].sum(), -g.pnl[g.pnl < 0].sum()
        cbar = 0.5 * g.cost.median()
        den = losses + 10 * cbar
        return pd.Series({"bets_closed": len(g), "realized_pnl": g.pnl.sum(),
                          "omega_score": (gains + 10 * cbar) / den if den else np.nan})

    return closed.groupby("wallet").apply(omega, include_groups=False).reset_index()
