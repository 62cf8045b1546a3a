-- The (wallet, condition) pairs redeemed by the as-of time, into run_redeemed (once per run,
-- over every wallet, or in a run that carries over over the wallets it computes, after
-- changed_wallets.sql; positions.sql reads it slice by slice): Polymarket books a resolved
-- position only once redeemed (docs/metrics.md §4.5).
INSERT INTO run_redeemed
SELECT {run_id:String}, cityHash64(wallet) AS wallet_key,
       cityHash64(condition_id) AS condition_key
FROM activities FINAL
-- (by address, the first column of the table's key: only those wallets' granules are read,
-- and a row's versions share it, so the filter goes before FINAL's merge)
PREWHERE {every_wallet:UInt8} OR wallet IN (
    SELECT wallet FROM trade_wallets WHERE wallet_key IN (
        SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String}))
WHERE kind = 'redeem' AND timestamp <= {as_of:UInt32}
GROUP BY wallet_key, condition_key
