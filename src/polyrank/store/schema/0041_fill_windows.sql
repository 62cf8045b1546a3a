-- A wallet a carrying run computes again because a fill of its left some windows (and for
-- nothing its fills see in the others) has the fill figures of those windows alone computed
-- again, the others copied from the base run (metrics/sql/wallet_rows.sql), not every
-- window's from every fill of its.
--   run_wallets.fill_windows:  the windows whose fill figures the run computes for the
--                              wallet, as bits (bit i - 1 for the i-th window; every bit
--                              when its fills or their catalogue rows changed, none when
--                              they are all copied); replaces run_wallets.fills (1 every
--                              window computed, 0 every one copied), work of a run only
ALTER TABLE run_wallets ADD COLUMN IF NOT EXISTS fill_windows UInt64 DEFAULT 0;
ALTER TABLE run_wallets DROP COLUMN IF EXISTS fills;
