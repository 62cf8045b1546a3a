-- The rows of the wallets the run computed, from wallet_rows_work (wallet_rows.sql) into
-- wallet_metric_rows, where they stay for as long as a kept run reads them (run_sources.sql;
-- the `wallet_metrics` view badges them: skilled.sql).
INSERT INTO wallet_metric_rows
SELECT * FROM wallet_rows_work WHERE run_id = {run_id:String}
-- in parts of at most 200k rows, so the sort before each part is written holds a part's
-- rows, not a whole default block's million
SETTINGS min_insert_block_size_rows = 200000, min_insert_block_size_bytes = 67108864
