-- the categories of a metrics run in one window: wallets with metrics there, ranked wallets
-- there, and specialists (a whole-history figure: the specialists table has no window)
SELECT m.category AS category, m.wallets AS wallets, m.ranked AS ranked,
       ifNull(s.specialists, 0) AS specialists
FROM (
    SELECT category, uniqExact(wallet) AS wallets, countIf(eligibility = 'ranked') AS ranked
    FROM wallet_metrics
    WHERE run_id = {run:String} AND window = {window:String} AND category != 'all'
    GROUP BY category
) AS m
LEFT JOIN (
    SELECT category, countIf(is_specialist) AS specialists
    FROM specialists WHERE run_id = {run:String} GROUP BY category
) AS s ON s.category = m.category
ORDER BY wallets DESC, category
