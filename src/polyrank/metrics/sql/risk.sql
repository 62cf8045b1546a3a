-- Risk from the daily equity curve (docs/metrics.md §4.7) per wallet, scope and window, into
-- risk_work: the curves built here (equity_curves.sql) folded into the figures
-- (risk_windows.sql). A run that carries over writes its wallets' curves down first
-- (risk_curves.sql, for the next run) and folds those (risk_of_curves.sql) instead.
INSERT INTO risk_work
WITH
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices), and of those only the
    -- ones it computes when it carries the others over (metrics/incremental.py)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    {every_wallet:UInt8} AS every_wallet,
    computed AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String}),
    -- the categories by number (1, 2, ...; metrics/run.py: numbered): numbers group several
    -- times faster than names
    {categories:Array(String)} AS categories,
    {window_days:Array(UInt32)} AS window_days,
-- include: equity_curves.sql
,
-- include: risk_windows.sql
