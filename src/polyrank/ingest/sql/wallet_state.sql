-- the latest ingest state of the given wallets, and each one's cursor: the loaded_to of its
-- latest load (a failed load keeps the one before; 0 = never loaded completely)
SELECT wallet, argMax(status, updated_at) AS status, max(attempts) AS attempts,
       argMax(loaded_to, updated_at) AS loaded_to
FROM ingest_wallets
WHERE wallet IN {wallets:Array(String)}
GROUP BY wallet
