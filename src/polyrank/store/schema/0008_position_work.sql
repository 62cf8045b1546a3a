-- A metrics run's positions while the run is computed, numbers only (wallet and token by
-- their keys): positions, bets and wallet metrics are all derived from it, so the fold runs
-- once and the strings are joined in only for the result tables. A run drops its partition
-- when it is done.
CREATE TABLE IF NOT EXISTS position_work (
    run_id         String,
    wallet_key     UInt64,
    token_key      UInt64,
    amount         Float64,
    avg_price      Float64,
    realized       Float64,
    cost           Float64,
    bought         Float64,
    unmatched_sell Float64,
    fills          UInt32,
    is_open        UInt8,
    closed_ts      Nullable(UInt32),
    mark           Float64,
    unrealized     Float64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY tuple();
