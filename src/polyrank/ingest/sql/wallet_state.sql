-- the latest ingest state of the given wallets, and each one's cursor: the loaded_to of its
-- latest load (a failed load keeps the one before; 0 = never loaded completely), and the
-- source its V2 era was last loaded from ('' = none yet)
SELECT wallet, argMax(status, updated_at) AS latest_status, max(attempts) AS attempts,
       argMax(loaded_to, updated_at) AS loaded_to,
       argMaxIf(v2_source, updated_at, status = 'done') AS v2_source
FROM ingest_wallets
WHERE wallet IN (SELECT arrayJoin({wallets:Array(String)}))
GROUP BY wallet
