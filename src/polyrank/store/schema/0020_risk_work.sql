-- A metrics run's risk figures per wallet, scope and window (docs/metrics.md §4.7), computed
-- from the daily equity curve by metrics/sql/risk_work.sql before the wallet rows join them;
-- dropped with the run's other work once the run is done.
CREATE TABLE IF NOT EXISTS risk_work (
    run_id           String,
    wallet_key       UInt64,
    scope            String,
    wi               UInt8,
    sharpe_daily     Nullable(Float64),
    sortino_daily    Nullable(Float64),
    max_drawdown     Nullable(Float64),
    max_drawdown_pct Nullable(Float64)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, scope, wi);
