-- the latest ingest state of the given wallets
SELECT wallet, argMax(status, updated_at) AS status, max(attempts) AS attempts
FROM ingest_wallets
WHERE wallet IN {wallets:Array(String)}
GROUP BY wallet
