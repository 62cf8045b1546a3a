-- What the last enrich read of each market, as far as activity rows depend on it (enrich/sql/
-- enriched_markets.sql): an incremental enrich builds again the activity rows of the
-- wallets with an activity on a market whose signature changed or is new
-- (activity_wallets.sql), not of every market the catalogue rewrote (a sync rewrites a
-- market when its prices move). Replaced whole by each enrich.
CREATE TABLE IF NOT EXISTS enriched_markets (
    condition_id String,
    event        String,    -- lower(neg_risk_market_id): its neg-risk event, '' if none
    signature    UInt64
) ENGINE = MergeTree
ORDER BY condition_id;
