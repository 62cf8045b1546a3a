-- one wallet's specialist figures per category in a metrics run
SELECT * EXCEPT (run_id, wallet)
FROM specialists
WHERE run_id = {run:String} AND wallet = {wallet:String}
ORDER BY is_specialist DESC, focus_share DESC, category
