-- fills whose token the catalogue does not know, per token
SELECT t.token_id AS token_id, r.fills AS fills, r.wallets AS wallets
FROM (
    SELECT token_key, count() AS fills, uniqExact(wallet_key) AS wallets
    FROM trade_rows
    WHERE token_key IN (SELECT token_key FROM trade_tokens WHERE condition_id = '')
    GROUP BY token_key
) AS r
JOIN trade_tokens AS t ON t.token_key = r.token_key
ORDER BY fills DESC, token_id LIMIT {limit:UInt32}
