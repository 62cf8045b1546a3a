"""A straightforward pandas implementation of positions -> bets -> lifetime omega, the
baseline bench/metrics.py compares the SQL against (same rules as docs/metrics.md).

Memory-lean: wallets are processed in chunks. Each chunk reads only its wallets' fills from
the world's fills.parquet (a row filter on `maker`), decodes them, joins the catalogue,
folds the positions (a plain loop over the chunk's sorted rows: average cost is sequential),
and reduces them to bets and per-wallet figures; only those small results are kept."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

DUST_MICRO = 0.01 * 1_000_000
FILL_COLUMNS = ["id", "timestamp", "maker", "maker_asset_id", "taker_asset_id",
                "maker_amount_filled", "taker_amount_filled", "fee", "version"]


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


def wallet_chunks(world: Path, wallets_per_chunk: int) -> list[list[str]]:
    makers = pq.read_table(world / "fills.parquet", columns=["maker"]).column("maker")
    wallets = sorted(pc.unique(makers).to_pylist())
    return [wallets[i:i + wallets_per_chunk] for i in range(0, len(wallets), wallets_per_chunk)]


def read_fills(world: Path, wallets: list[str]) -> pd.DataFrame:
    return pq.read_table(world / "fills.parquet", columns=FILL_COLUMNS,
                         filters=[("maker", "in", wallets)]).to_pandas()


def decode(f: pd.DataFrame) -> pd.DataFrame:
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


def fold(trades: pd.DataFrame) -> pd.DataFrame:
    """One row per (wallet, token) of `trades` (sorted by wallet, token, ts, id): the
    average-cost replay of its trades."""
    wallet, token = trades["wallet"].to_numpy(), trades["token"].to_numpy()
    new = np.r_[True, (wallet[1:] != wallet[:-1]) | (token[1:] != token[:-1])]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(trades)]
    buys, received, cash, shares = (trades[c].tolist()
                                    for c in ("buy", "received", "cash", "shares"))
    state = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        amount, avg, realized, cost = 0, 0.0, 0.0, 0
        for i in range(start, end):
            if buys[i]:
                total = amount + received[i]
                if total > 0:
                    avg = (avg * amount + cash[i]) / total
                amount, cost = total, cost + cash[i]
            else:
                sold = min(shares[i], amount)
                if shares[i] > 0:
                    realized += sold * (cash[i] / shares[i] - avg) / 1e6
                amount -= sold
        state.append((amount, avg, realized, cost / 1e6))
    pos = trades.iloc[starts][["wallet", "token", "bet", "payout", "resolved_ts"]]
    pos = pos.reset_index(drop=True)
    pos[["amount", "avg", "realized", "cost"]] = pd.DataFrame(state, dtype=float)
    pos["last_ts"] = trades["ts"].to_numpy()[ends - 1]
    return pos


def chunk_omega(world: Path, wallets: list[str], cat: pd.DataFrame) -> pd.DataFrame:
    trades = decode(read_fills(world, wallets)).merge(cat, on="token", how="left")
    trades = trades.sort_values(["wallet", "token", "ts", "id"], kind="stable")
    pos = fold(trades)
    del trades
    resolved = pos["payout"].notna()
    pos["realized"] += np.where(resolved, pos["amount"] * (pos["payout"] - pos["avg"]) / 1e6, 0)
    pos["closed_ts"] = np.where(pos["amount"] <= DUST_MICRO, pos["last_ts"],
                                np.where(resolved, pos["resolved_ts"], np.nan))
    pos["open"] = pos["closed_ts"].isna()
    bets = pos.groupby(["wallet", "bet"]).agg(pnl=("realized", "sum"), cost=("cost", "sum"),
                                              open=("open", "any"))
    closed = bets[~bets["open"]].reset_index()
    closed["gain"] = closed["pnl"].clip(lower=0)
    closed["loss"] = -closed["pnl"].clip(upper=0)
    out = closed.groupby("wallet").agg(bets_closed=("pnl", "size"),
                                       realized_pnl=("pnl", "sum"), gains=("gain", "sum"),
                                       losses=("loss", "sum"), median_cost=("cost", "median"))
    cbar = 0.5 * out["median_cost"]
    den = out["losses"] + 10 * cbar
    out["omega_score"] = ((out["gains"] + 10 * cbar) / den).where(den != 0)
    return out[["bets_closed", "realized_pnl", "omega_score"]].reset_index()


def lifetime_omega(world: Path, wallets_per_chunk: int = 5000) -> pd.DataFrame:
    cat = catalogue(world)
    return pd.concat([chunk_omega(world, chunk, cat)
                      for chunk in wallet_chunks(world, wallets_per_chunk)], ignore_index=True)
