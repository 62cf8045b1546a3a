-- A metrics run's work tables, rebuilt (they hold no more than a run in progress, which a
-- migration never runs beside):
--   position_work sorted by wallet: each slice of a run (metrics/run.py: wallet_slices) then
--                 reads its own wallets' rows, not the whole run's;
--   risk_days, risk_work with the scope as a number (0 for 'all', n for the n-th category in
--                 name order, as metrics/sql/wallet_rows.sql numbers them): numbers sort and
--                 group several times faster than names.
DROP TABLE IF EXISTS position_work;
CREATE TABLE position_work (
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
    mark           Nullable(Float64),
    unrealized     Float64,
    pnl_polymarket Float64 DEFAULT 0,
    pnl_fee_effect Float64 DEFAULT 0,
    pnl_unredeemed Float64 DEFAULT 0
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, token_key);

DROP TABLE IF EXISTS risk_days;
CREATE TABLE risk_days (
    run_id     String,
    wallet_key UInt64,
    scope      UInt8,     -- the category's number (risk_work.sql adds them up as scope 0)
    day        UInt32,
    r          Float64,   -- E's change that day (USDC)
    dcash      Float64    -- cash moved that day (micro USDC; negative: paid)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, scope, day);

DROP TABLE IF EXISTS risk_work;
CREATE TABLE risk_work (
    run_id           String,
    wallet_key       UInt64,
    scope            UInt8,   -- 0 for 'all', else the category's number
    wi               UInt8,
    sharpe_daily     Nullable(Float64),
    sortino_daily    Nullable(Float64),
    max_drawdown     Nullable(Float64),
    max_drawdown_pct Nullable(Float64)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, scope, wi);
