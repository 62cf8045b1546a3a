-- The skilled badge (docs/metrics.md §4.6): Benjamini-Hochberg over each board's (window x
-- category) ranked rows at q = skill_q, a null p counting as 1: badged are the ranked rows
-- whose p is at or below the largest p(k) with p(k) <= k * q / m. The run's rows move from
-- wallet_rows_work (wallet_rows.sql) into wallet_metrics with it.
INSERT INTO wallet_metrics
WITH
    thresholds AS (
        -- per board, over its ranked rows only (p and rank, not whole rows, are sorted)
        SELECT window, category,
               max(if(p <= p_rank * {skill_q:Float64} / m, p, -1)) AS threshold
        FROM (
            SELECT window, category, ifNull(skill_p, 1) AS p,
                   row_number() OVER (PARTITION BY window, category ORDER BY p, wallet)
                       AS p_rank,
                   count() OVER (PARTITION BY window, category) AS m
            FROM wallet_rows_work
            WHERE run_id = {run_id:String} AND eligibility = 'ranked'
        )
        GROUP BY window, category
    )
SELECT w.* REPLACE (w.eligibility = 'ranked' AND w.skill_p IS NOT NULL
                    AND w.skill_p <= t.threshold AS skilled)
FROM (SELECT * FROM wallet_rows_work WHERE run_id = {run_id:String}) AS w
LEFT JOIN thresholds AS t ON t.window = w.window AND t.category = w.category
-- every row of the run is written here: in parts of at most 200k rows, so the sort before
-- each part is written holds a part's rows, not a whole default block's million
SETTINGS min_insert_block_size_rows = 200000, min_insert_block_size_bytes = 67108864
