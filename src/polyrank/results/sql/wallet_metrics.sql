-- every window x category row of one wallet in a metrics run, with its count of V2 fills
-- loaded without fee information (from the Data API)
SELECT m.* EXCEPT (run_id, wallet), ifNull(w.fills_without_fee, 0) AS fills_without_fee
FROM (
    SELECT * FROM wallet_metrics WHERE run_id = {run:String} AND wallet = {wallet:String}
) AS m
LEFT JOIN (
    SELECT wallet, argMax(v2_fills_without_fee, updated_at) AS fills_without_fee
    FROM ingest_wallets WHERE wallet = {wallet:String} GROUP BY wallet
) AS w ON w.wallet = m.wallet
ORDER BY indexOf(['lifetime', '180d', '90d', '30d'], window), category != 'all', category
