-- The wallets worth ranking, as discovery found them (docs/architecture.md, "Discovery"): one
-- row per source x address x day swept, so that sweeping a day again replaces its rows and a
-- resumed sweep doubles nothing; each day's insert also holds a marker row (address '') that
-- says the day was swept. `wallet_registry` sums the rows per address.
CREATE TABLE IF NOT EXISTS discovered (
    address     String,                  -- lower-case
    source      LowCardinality(String),  -- tape (the orderbook subgraph's fills), ...
    day         UInt32,                  -- the start of the UTC day swept (unix seconds)
    fills       UInt64,                  -- fills the address made (as maker) that day
    volume      Float64,                 -- their USDC
    first_seen  UInt32,
    last_seen   UInt32,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (source, day, address);

CREATE VIEW IF NOT EXISTS wallet_registry AS
SELECT address, groupUniqArray(source) AS sources, min(first_seen) AS first_seen,
       max(last_seen) AS last_seen, sum(fills) AS fills, sum(volume) AS volume
FROM discovered FINAL
WHERE address != ''
GROUP BY address;
