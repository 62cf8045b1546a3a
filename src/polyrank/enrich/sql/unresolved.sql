-- fills whose token the catalogue does not know, per token
SELECT token_id, count() AS fills, uniqExact(wallet) AS wallets
FROM trades WHERE condition_id = ''
GROUP BY token_id ORDER BY fills DESC LIMIT {limit:UInt32}
