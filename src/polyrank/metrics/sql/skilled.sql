-- The skilled badge (docs/metrics.md §4.6): Benjamini-Hochberg over each board's (window x
-- category) ranked rows at q = skill_q, a null p counting as 1: badged are the ranked rows
-- whose p is at or below the largest p(k) with p(k) <= k * q / m. The run's rows move from
-- wallet_rows_work (wallet_rows.sql) into wallet_metrics with it — and, in a run that
-- carries over from a base run (metrics/incremental.py), the base run's rows of every wallet
-- the run did not compute (no base: base_run is '', no run's id).
INSERT INTO wallet_metrics
WITH
    rows AS (
        SELECT * FROM wallet_rows_work WHERE run_id = {run_id:String}
        UNION ALL
        SELECT * REPLACE ({run_id:String} AS run_id)
        FROM (
            SELECT * FROM wallet_metrics
            WHERE run_id = {base_run:String}
                  AND cityHash64(wallet) NOT IN (SELECT wallet_key FROM run_wallets
                                                 WHERE run_id = {run_id:String})
        )
    ),
    thresholds AS (
        -- per board, over its ranked rows only (p and rank, not whole rows, are sorted)
        SELECT window, category,
               max(if(p <= p_rank * {skill_q:Float64} / m, p, -1)) AS threshold
        FROM (
            SELECT window, category, ifNull(skill_p, 1) AS p,
                   row_number() OVER (PARTITION BY window, category ORDER BY p, wallet)
                       AS p_rank,
                   count() OVER (PARTITION BY window, category) AS m
            FROM rows
            WHERE eligibility = 'ranked'
        )
        GROUP BY window, category
    )
SELECT w.* REPLACE (w.eligibility = 'ranked' AND w.skill_p IS NOT NULL
                    AND w.skill_p <= t.threshold AS skilled)
FROM rows AS w
LEFT JOIN thresholds AS t ON t.window = w.window AND t.category = w.category
-- every row of the run is written here: in parts of at most 200k rows, so the sort before
-- each part is written holds a part's rows, not a whole default block's million
SETTINGS min_insert_block_size_rows = 200000, min_insert_block_size_bytes = 67108864
