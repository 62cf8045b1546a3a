-- The skilled badge (docs/metrics.md §4.6): Benjamini-Hochberg over each board's (window x
-- category) ranked rows at q = skill_q, a null p counting as 1: badged are the ranked rows
-- whose p is at or below the largest p(k) with p(k) <= k * q / m, the board's threshold. It
-- is taken over every row the run reads (those it computed and those it kept from earlier
-- runs: run_sources.sql), and the `wallet_metrics` view badges each row by it.
INSERT INTO board_thresholds
SELECT {run_id:String}, window, category,
       max(if(p <= p_rank * {skill_q:Float64} / m, p, -1)) AS threshold
FROM (
    -- per board, over its ranked rows only (p and rank, not whole rows, are sorted)
    SELECT window, category, ifNull(skill_p, 1) AS p,
           row_number() OVER (PARTITION BY window, category ORDER BY p, wallet) AS p_rank,
           count() OVER (PARTITION BY window, category) AS m
    FROM wallet_metric_rows
    WHERE eligibility = 'ranked'
          AND (run_id, cityHash64(wallet)) IN (
              SELECT source_run, wallet_key FROM run_sources WHERE run_id = {run_id:String})
)
GROUP BY window, category
