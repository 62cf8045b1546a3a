-- wallet_key -> address, for every wallet with a stored fill
INSERT INTO {target:Identifier}
SELECT cityHash64(maker) AS wallet_key, maker AS wallet
FROM fills GROUP BY maker
