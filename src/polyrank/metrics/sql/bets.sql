-- Bets (METRICS.md §3): wallet x condition, all markets of a neg-risk event forming one bet.
-- P = Σ realized, C = Σ cost; closed when every position is closed, at the last closing.
-- (Columns are inserted by position; aliases differ from column names because ClickHouse
-- lets a SELECT alias shadow a column in WHERE: `'x' AS run_id ... WHERE run_id = 'x'`
-- would be always true and sum every run.)
INSERT INTO bets
SELECT
    {run_id:String}                                   AS this_run,
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
