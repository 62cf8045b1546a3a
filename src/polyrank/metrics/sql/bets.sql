-- Bets (docs/metrics.md §3): wallet x condition, all markets of a neg-risk event forming one bet.
-- P = Σ realized, C = Σ cost; closed when every position is closed, at the last closing;
-- Polymarket's convention summed beside (docs/metrics.md §4.5).
-- Grouped on numeric keys (wallet_key, bet_hash) from position_rows; strings joined last.
-- Over the run's slice of the wallets (metrics/run.py: wallet_slices).
-- (Columns are inserted by position; aliases differ from column names because ClickHouse
-- lets a SELECT alias shadow a column in WHERE: `'x' AS run_id ... WHERE run_id = 'x'`
-- would be always true and sum every run.)
INSERT INTO bets
SELECT {run_id:String} AS this_run, w.wallet, k.bet_key, k.category, b.pnl, b.cost,
       b.is_closed, b.closed_at, b.n_positions, b.pm, b.fee_effect, b.unredeemed,
       b.shares_bought, if(k.event_id = '', k.bet_key, k.event_id)
FROM (
    SELECT
        p.wallet_key AS wallet_key, t.bet_hash AS bet_hash,
        sum(p.realized)                                   AS pnl,
        sum(p.cost)                                       AS cost,
        countIf(p.closed_ts IS NULL) = 0                  AS is_closed,
        if(is_closed, max(p.closed_ts), NULL)             AS closed_at,
        count()                                           AS n_positions,
        sum(p.pnl_polymarket)                             AS pm,
        sum(p.pnl_fee_effect)                             AS fee_effect,
        sum(p.pnl_unredeemed)                             AS unredeemed,
        -- docs/metrics.md §4.6: the shares it acquired
        sum(p.bought)                                     AS shares_bought
    FROM (SELECT * FROM position_rows
          WHERE run_id = {run_id:String} AND wallet_key BETWEEN {wallet_lo:UInt64} AND {wallet_hi:UInt64}) AS p
    JOIN trade_tokens AS t ON t.token_key = p.token_key
    GROUP BY wallet_key, bet_hash
) AS b
JOIN trade_wallets AS w ON w.wallet_key = b.wallet_key
-- what the catalogue says of the bet: one event, so one category, for all of its tokens (the
-- strings joined once per bet, the wallets' first: a join's left rows are copied, and those
-- of a second join carry the first one's strings); its event (a token the catalogue does not
-- know: the bet is its own event)
JOIN (SELECT bet_hash, any(bet_key) AS bet_key, any(category) AS category,
             any(event_id) AS event_id
      FROM trade_tokens GROUP BY bet_hash) AS k
    ON k.bet_hash = b.bet_hash
