-- every window x category row of one wallet in a metrics run
SELECT * EXCEPT (run_id, wallet)
FROM wallet_metrics
WHERE run_id = {run:String} AND wallet = {wallet:String}
ORDER BY indexOf(['lifetime', '180d', '90d', '30d'], window), category != 'all', category
