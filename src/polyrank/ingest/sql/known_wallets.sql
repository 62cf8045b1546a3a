-- Every wallet a refresh brings up to date: those loaded before (by a wallet list or the
-- registry) and those of the registry not loaded yet, in address order.
SELECT wallet FROM (
    SELECT DISTINCT wallet FROM ingest_wallets
    UNION DISTINCT
    SELECT address AS wallet FROM wallet_registry
)
ORDER BY wallet
