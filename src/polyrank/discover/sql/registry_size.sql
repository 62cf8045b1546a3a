-- How many wallets the registry holds, all sources and periods.
SELECT count() FROM wallet_registry
