-- The wallets whose activity rows an incremental enrich builds again (enrich/sql/
-- activity_wallets.sql fills it; the other wallets' rows are kept as they are). Work: emptied
-- and filled by each incremental enrich.
CREATE TABLE IF NOT EXISTS enrich_wallets (
    wallet_key UInt64,
    wallet     String    -- (activities are sorted by the address: a filter on it reads only
                         -- those wallets' rows)
) ENGINE = MergeTree
ORDER BY wallet_key;
