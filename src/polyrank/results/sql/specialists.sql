-- the specialists of a metrics run (one category or all), best lower ROI bound first
SELECT wallet, category, focus_share, bets_closed, cost, roi, roi_se, roi_lb, omega_score,
       count() OVER () AS total
FROM specialists
WHERE run_id = {run:String} AND is_specialist
  AND ({category:String} = '' OR category = {category:String})
ORDER BY roi_lb DESC, wallet, category
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
