-- Specialists (docs/metrics.md §7, ledger rules 23-27), from the lifetime wallet metrics.
INSERT INTO specialists
WITH
    {run_id:String} AS run,
    -- the run's lifetime rows, each wallet's from the run that computed it (run_sources.sql;
    -- the run id replaced outside the filter, as in carry_over.sql)
    lifetime AS (
        SELECT * REPLACE (run AS run_id)
        FROM (
            SELECT * FROM wallet_metric_rows
            WHERE window = {lifetime:String}
                  AND (run_id, cityHash64(wallet)) IN (
                      SELECT source_run, wallet_key FROM run_sources WHERE run_id = run)
        )
    ),
    totals AS (
        SELECT wallet, cost AS total_cost FROM lifetime WHERE category = 'all'
    ),
    rows AS (
        SELECT l.wallet AS wallet, l.category AS category, l.bets_closed AS bets_closed,
               l.cost AS cost, l.roi AS roi, l.roi_se AS roi_se, l.omega_score AS omega_score,
               l.eligibility = 'ranked' AS category_eligible,
               if(t.total_cost = 0, 0, l.cost / t.total_cost) AS focus_share
        FROM lifetime AS l
        LEFT JOIN totals AS t ON t.wallet = l.wallet
        WHERE l.category != 'all' AND l.bets_closed > 0
    ),
    ranked AS (
        SELECT wallet, category,
               rank() OVER (PARTITION BY category ORDER BY omega_score DESC) - 1 AS higher,
               count() OVER (PARTITION BY category) AS pool
        FROM rows
        WHERE category_eligible AND omega_score IS NOT NULL
    )
SELECT run_id, wallet, category, focus_share, bets_closed, cost, roi, roi_se, roi_lb,
       omega_score, category_eligible, omega_top, focused, edge,
       focused AND edge AS is_specialist, focused AND NOT edge AS focus_only
FROM (
    SELECT run AS run_id, r.wallet AS wallet, r.category AS category,
           r.focus_share AS focus_share, r.bets_closed AS bets_closed, r.cost AS cost,
           r.roi AS roi, r.roi_se AS roi_se,
           if(r.roi IS NULL OR r.roi_se IS NULL, NULL,
              r.roi - {edge_z:Float64} * r.roi_se) AS roi_lb,
           r.omega_score AS omega_score, r.category_eligible AS category_eligible,
           k.pool > 0 AND k.higher < {top_fraction:Float64} * k.pool AS omega_top,
           r.focus_share >= {focus_share:Float64} AND r.bets_closed >= {focus_min_bets:UInt32}
               AND r.cost >= {focus_min_cost:Float64} AS focused,
           ifNull(roi_lb > 0, 0) AND omega_top AS edge
    FROM rows AS r
    LEFT JOIN ranked AS k ON k.wallet = r.wallet AND k.category = r.category
)
