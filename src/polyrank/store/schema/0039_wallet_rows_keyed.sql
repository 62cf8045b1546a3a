-- wallet_metric_rows names its wallet by address; the other tables of wallets' rows
-- (position_rows, bet_rows, risk_curves) by wallet_key = cityHash64(wallet), which
-- run_sources uses. An ALIAS column gives wallet_metric_rows the same key (computed on
-- read, not stored, and not part of SELECT *), so that the statements over all four tables
-- (metrics/compaction.py) name it alike.
ALTER TABLE wallet_metric_rows ADD COLUMN IF NOT EXISTS wallet_key UInt64 ALIAS cityHash64(wallet);
