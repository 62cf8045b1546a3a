"""The same lifetime positions -> bets -> omega as bench/metrics_pandas.py, as one DuckDB
query over the world's files (load included): the other engine bench/metrics.py compares the
SQL in chDB against (same rules as docs/metrics.md §2-§4, lifetime and every category only).

A position's average-cost replay is a `list_reduce` over its trades in time order, the way
the store folds them with `arrayFold`; the catalogue (tokens, bets, payouts) is read from
markets.jsonl by Python, as the pandas side does."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from metrics_pandas import catalogue

QUERY = """
WITH trades AS (
    SELECT maker AS wallet, id, timestamp AS ts, maker_asset_id = '0' AS buy,
           if(buy, taker_asset_id, maker_asset_id) AS token,
           if(buy, taker_amount_filled, maker_amount_filled) AS shares,
           if(buy, maker_amount_filled, taker_amount_filled) AS usdc,
           if(buy, if(version = 2, shares, shares - fee), 0) AS received,
           if(buy, if(version = 2, usdc + fee, usdc), usdc - fee) AS cash
    FROM read_parquet($fills)
),
folded AS (
    SELECT wallet, token, max(ts) AS last_ts,
           list_reduce(
               list({'buy': buy, 'received': received::BIGINT, 'cash': cash::BIGINT,
                     'shares': shares::BIGINT} ORDER BY ts, id),
               lambda acc, x: CASE
                   WHEN x.buy THEN {
                       'amount': acc.amount + x.received,
                       'avg': if(acc.amount + x.received > 0,
                                 (acc.avg * acc.amount + x.cash) / (acc.amount + x.received),
                                 acc.avg),
                       'realized': acc.realized, 'cost': acc.cost + x.cash}
                   ELSE {
                       'amount': acc.amount - least(x.shares, acc.amount), 'avg': acc.avg,
                       'realized': acc.realized + if(x.shares > 0, least(x.shares, acc.amount)
                           * (x.cash / x.shares - acc.avg) / 1e6, 0),
                       'cost': acc.cost}
                   END,
               {'amount': 0::BIGINT, 'avg': 0::DOUBLE, 'realized': 0::DOUBLE,
                'cost': 0::BIGINT}) AS st
    FROM trades
    GROUP BY wallet, token
),
positions AS (
    SELECT f.wallet, c.bet, st.cost / 1e6 AS cost,
           st.realized + if(c.payout IS NOT NULL, st.amount * (c.payout - st.avg) / 1e6, 0)
               AS realized,
           st.amount > $dust_micro AND c.payout IS NULL AS open
    FROM folded AS f JOIN cat AS c ON c.token = f.token
),
bets AS (
    SELECT wallet, bet, sum(realized) AS pnl, sum(cost) AS cost
    FROM positions
    GROUP BY wallet, bet
    HAVING NOT bool_or(open)
)
SELECT wallet, count() AS bets_closed, sum(pnl) AS realized_pnl,
       sum(greatest(pnl, 0)) AS gains, sum(greatest(-pnl, 0)) AS losses,
       0.5 * median(cost) AS cbar,
       if(losses + 10 * cbar = 0, NULL, (gains + 10 * cbar) / (losses + 10 * cbar))
           AS omega_score
FROM bets
GROUP BY wallet
"""


def lifetime_omega(world: Path) -> pd.DataFrame:
    """wallet, bets_closed, realized_pnl, omega_score: as metrics_pandas.lifetime_omega."""
    con = duckdb.connect()
    con.register("cat", catalogue(world))
    frame = con.execute(QUERY, {"fills": str(world / "fills.parquet"),
                                "dust_micro": 0.01 * 1_000_000}).df()
    return frame[["wallet", "bets_closed", "realized_pnl", "omega_score"]]
