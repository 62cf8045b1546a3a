-- A metrics run's wallet rows before the skilled badge (docs/metrics.md §4.6), which is a
-- decision over each board's rows: metrics/sql/wallet_rows.sql writes them here and
-- skilled.sql copies them into wallet_metrics with the badge. The same columns as
-- wallet_metrics (a later change to wallet_metrics' columns changes this table too).
CREATE TABLE IF NOT EXISTS wallet_rows_work AS wallet_metrics;
