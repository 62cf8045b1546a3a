-- How far the store's wallets are loaded: the range of their cursors (each wallet's latest
-- state; 0 = unknown, left out) and how many have one.
SELECT nullIf(minIf(loaded_to, loaded_to > 0), 0) AS loaded_to_min,
       nullIf(maxIf(loaded_to, loaded_to > 0), 0) AS loaded_to_max,
       countIf(loaded_to > 0) AS wallets_loaded_to
FROM (SELECT wallet, argMax(loaded_to, updated_at) AS loaded_to
      FROM ingest_wallets GROUP BY wallet)
