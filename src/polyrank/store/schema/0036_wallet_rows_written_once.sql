-- The wallet steps write a run's wallet rows straight into wallet_metric_rows (0035): the
-- skilled badge is a threshold per board that the `wallet_metrics` view applies, so the rows
-- no longer wait in a work table for the badge and are no longer written twice.
DROP TABLE IF EXISTS wallet_rows_work;
