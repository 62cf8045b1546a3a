-- Per wallet, one hash of everything of its own that the run reads (metrics/incremental.py):
-- its enriched fills and activities up to the as-of time, its redemptions (positions.sql
-- books a resolved position by them) and whether its history was truncated. Rows hashed one
-- by one and combined by count, XOR and sum: the same rows in any order, the same digest.
-- `prefix` is the same hash over what it reads up to the base run's as-of time (a run that
-- carries over: 0 without): equal to the base run's digest, none of that changed since.
INSERT INTO wallet_inputs (run_id, wallet_key, digest, prefix)
WITH {as_of:UInt32} AS as_of, {base_as_of:UInt32} AS base_as_of
SELECT {run_id:String}, wallet_key, cityHash64(count(), groupBitXor(h), sum(h)),
       cityHash64(countIf(ts <= base_as_of), groupBitXorIf(h, ts <= base_as_of),
                  sumIf(h, ts <= base_as_of))
FROM (
    SELECT wallet_key, ts,
           cityHash64(1, token_key, ts, tx_key, order_key, is_buy, shares, usdc, received, cash,
                      fee_usdc, fee_shares, version, role) AS h
    FROM trade_rows WHERE ts <= as_of
    UNION ALL
    SELECT wallet_key, ts,
           cityHash64(2, token_key, ts, tx_key, order_key, is_buy, shares, received, cash,
                      toString(kind))
    FROM activity_rows WHERE ts <= as_of
    UNION ALL
    SELECT cityHash64(wallet), timestamp, cityHash64(3, condition_id, timestamp)
    FROM activities FINAL WHERE kind = 'redeem' AND timestamp <= as_of
    UNION ALL
    -- (no time: in the prefix too)
    SELECT cityHash64(wallet), 0, cityHash64(4, argMax(truncated, updated_at))
    FROM ingest_wallets GROUP BY wallet
)
GROUP BY wallet_key
