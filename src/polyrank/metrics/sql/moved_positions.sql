-- The positions of the wallets a carrying run computes but not whole (changed_wallets.sql)
-- that moved since the base run's as-of time, into run_moved_positions: those with a fill,
-- split, merge or conversion leg in (base as-of, as-of], and those on the tokens of a
-- condition the wallet redeemed then (positions.sql books a resolved position by its
-- redemption). Such a wallet's history up to the base run's as-of is the base run's, so
-- its other positions read the same events as there and are copied (carried_positions.sql);
-- these are folded again (positions.sql).
INSERT INTO run_moved_positions (run_id, wallet_key, token_key)
WITH
    {as_of:UInt32} AS as_of,
    {base_as_of:UInt32} AS base_as_of,
    partial AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String} AND NOT whole)
SELECT DISTINCT {run_id:String}, wallet_key, token_key
FROM (
    SELECT wallet_key, token_key FROM trade_rows
    WHERE ts > base_as_of AND ts <= as_of AND wallet_key IN partial
    UNION ALL
    SELECT wallet_key, token_key FROM activity_rows
    WHERE ts > base_as_of AND ts <= as_of AND wallet_key IN partial
    UNION ALL
    SELECT r.wallet_key, t.token_key
    FROM (
        SELECT cityHash64(wallet) AS wallet_key, cityHash64(condition_id) AS condition_key
        -- (no FINAL: a row's older version, if any, adds at most a position folded again)
        FROM activities
        WHERE kind = 'redeem' AND timestamp > base_as_of AND timestamp <= as_of
    ) AS r
    JOIN (SELECT token_key, condition_key FROM trade_tokens) AS t
        ON t.condition_key = r.condition_key
    WHERE r.wallet_key IN partial
)
