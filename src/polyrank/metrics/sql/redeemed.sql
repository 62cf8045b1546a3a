-- The (wallet, condition) pairs redeemed by the as-of time, into run_redeemed (once per run,
-- over every wallet; positions.sql reads it slice by slice): Polymarket books a resolved
-- position only once redeemed (docs/metrics.md §4.5).
INSERT INTO run_redeemed
SELECT {run_id:String}, cityHash64(wallet) AS wallet_key,
       cityHash64(condition_id) AS condition_key
FROM activities FINAL
WHERE kind = 'redeem' AND timestamp <= {as_of:UInt32}
GROUP BY wallet_key, condition_key
