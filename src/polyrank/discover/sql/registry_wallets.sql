-- Every wallet of the registry, in address order (what `pipeline` loads without --wallets).
SELECT address FROM wallet_registry ORDER BY address
