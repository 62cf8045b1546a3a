-- ingest state per status (latest row per wallet)
SELECT status, count() AS wallets, sum(fills_new) AS fills_new, sum(truncated) AS truncated
FROM (
    SELECT wallet, argMax(status, updated_at) AS status, argMax(fills_new, updated_at) AS fills_new,
           argMax(truncated, updated_at) AS truncated
    FROM ingest_wallets GROUP BY wallet
)
GROUP BY status ORDER BY status
