-- every window x category row of one wallet in a metrics run, with its count of V2 fills
-- loaded without fee information (from the Data API). The rows are read where the run reads
-- them (run_sources: the wallet's one row there, by its key) and badged by the run's
-- thresholds, as the `wallet_metrics` view gives them (store/schema/0035), but by the wallet
-- alone: through the view, the join builds the run's whole run_sources for one page, whose
-- cost grows with the run's wallets (docs/architecture.md)
SELECT m.* EXCEPT (run_id, wallet), ifNull(w.fills_without_fee, 0) AS fills_without_fee
FROM (
    SELECT r.* REPLACE (toUInt8(r.eligibility = 'ranked'
                                AND ifNull(r.skill_p <= t.threshold, 0)) AS skilled)
    FROM (
        SELECT * FROM wallet_metric_rows
        WHERE wallet = {wallet:String}
          AND run_id IN (SELECT source_run FROM run_sources
                         WHERE run_id = {run:String} AND wallet_key = cityHash64({wallet:String}))
    ) AS r
    LEFT JOIN (
        SELECT window AS board_window, category AS board_category, threshold
        FROM board_thresholds WHERE run_id = {run:String}
    ) AS t ON t.board_window = r.window AND t.board_category = r.category
) AS m
LEFT JOIN (
    SELECT wallet, argMax(v2_fills_without_fee, updated_at) AS fills_without_fee
    FROM ingest_wallets WHERE wallet = {wallet:String} GROUP BY wallet
) AS w ON w.wallet = m.wallet
ORDER BY indexOf(['lifetime', '180d', '90d', '30d'], window), category != 'all', category
