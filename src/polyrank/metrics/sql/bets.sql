-- Bets (docs/metrics.md §3): wallet x condition, all markets of a neg-risk event forming one bet.
-- P = Σ realized, C = Σ cost; closed when every position is closed, at the last closing;
-- Polymarket's convention summed beside (docs/metrics.md §4.5).
-- Numbers only, into bet_rows: the wallet and bet by their keys (run_bets.sql keeps the
-- bets' strings, the `bets` view joins them). Over the run's slice of the wallets
-- (metrics/run.py: wallet_slices).
-- (Columns are inserted by position; aliases differ from column names because ClickHouse
-- lets a SELECT alias shadow a column in WHERE: `'x' AS run_id ... WHERE run_id = 'x'`
-- would be always true and sum every run.)
-- Sums are exact (`exact`: Decimal128 with 18 places), so they do not depend on the order in
-- which the engine's threads read a bet's positions: two runs of one store agree to the bit.
INSERT INTO bet_rows
WITH (x -> toDecimal128(x, 18)) AS exact
SELECT
    {run_id:String}                                   AS this_run,
    p.wallet_key                                      AS wallet,
    t.bet_hash                                        AS bet,
    toFloat64(sum(exact(p.realized)))                 AS pnl,
    toFloat64(sum(exact(p.cost)))                     AS cost_sum,
    countIf(p.closed_ts IS NULL) = 0                  AS is_closed,
    if(is_closed, max(p.closed_ts), NULL)             AS closed_at,
    count()                                           AS n_positions,
    toFloat64(sum(exact(p.pnl_polymarket)))           AS pm,
    toFloat64(sum(exact(p.pnl_fee_effect)))           AS fee_effect,
    toFloat64(sum(exact(p.pnl_unredeemed)))           AS unredeemed,
    -- docs/metrics.md §4.6: the shares it acquired
    toFloat64(sum(exact(p.bought)))                   AS shares_bought
FROM (SELECT * FROM position_rows
      WHERE run_id = {run_id:String} AND wallet_key BETWEEN {wallet_lo:UInt64} AND {wallet_hi:UInt64}) AS p
JOIN trade_tokens AS t ON t.token_key = p.token_key
GROUP BY wallet, bet
