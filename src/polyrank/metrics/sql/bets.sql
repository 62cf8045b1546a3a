-- Bets (METRICS.md §3): wallet x condition, all markets of a neg-risk event forming one bet.
-- P = Σ realized, C = Σ cost; closed when every position is closed, at the last closing.
-- (Columns are inserted by position; aliases differ from column names to avoid shadowing.)
INSERT INTO bets
SELECT
    {run_id:String}                                   AS run_id,
    wallet, bet_key,
    any(category)                                     AS category,
    sum(realized)                                     AS pnl,
    sum(cost)                                         AS cost,
    countIf(closed_ts IS NULL) = 0                    AS is_closed,
    if(is_closed, max(closed_ts), NULL)               AS closed_at,
    count()                                           AS n_positions
FROM positions
WHERE run_id = {run_id:String}
GROUP BY wallet, bet_key
