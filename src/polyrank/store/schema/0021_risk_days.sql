-- A metrics run's daily equity changes per wallet and scope (docs/metrics.md §4.7), written
-- by metrics/sql/risk_days.sql and read by risk_work.sql: only the days E changes; dropped
-- with the run's other work once the run is done. `scope` is the category: risk_work.sql adds
-- the categories up for the scope "all".
CREATE TABLE IF NOT EXISTS risk_days (
    run_id     String,
    wallet_key UInt64,
    scope      String,
    day        UInt32,
    r          Float64,   -- E's change that day (USDC)
    dcash      Float64    -- cash moved that day (micro USDC; negative: paid)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, scope, day);
