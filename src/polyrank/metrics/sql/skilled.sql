-- The skilled badge (docs/metrics.md §4.6): Benjamini-Hochberg over each board's (window x
-- category) ranked rows at q = skill_q, a null p counting as 1: badged are the ranked rows
-- whose p is at or below the largest p(k) with p(k) <= k * q / m. The run's rows move from
-- wallet_rows_work (wallet_rows.sql) into wallet_metrics with it.
INSERT INTO wallet_metrics
SELECT * EXCEPT (tested, p, p_rank, m, threshold)
         REPLACE (tested AND skill_p IS NOT NULL AND skill_p <= threshold AS skilled)
FROM (
    SELECT *, max(if(p <= p_rank * {skill_q:Float64} / m, p, -1)) OVER board AS threshold
    FROM (
        SELECT *, eligibility = 'ranked' AS tested, ifNull(skill_p, 1) AS p,
               row_number() OVER (PARTITION BY window, category, tested
                                  ORDER BY p, wallet) AS p_rank,
               count() OVER (PARTITION BY window, category, tested) AS m
        FROM wallet_rows_work
        WHERE run_id = {run_id:String}
    )
    WINDOW board AS (PARTITION BY window, category, tested)
)
