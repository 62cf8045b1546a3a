-- Risk from the daily equity curve (docs/metrics.md §4.7) per wallet, scope and window, into
-- risk_work: the curves built here (equity_curves.sql) folded into the figures
-- (risk_windows.sql). A run that carries over, or that a later run may carry over from
-- (metrics/run.py: CARRYING_STEPS), writes its wallets' curves down first
-- (risk_curves.sql, for the next run) and folds those (risk_of_curves.sql) instead.
INSERT INTO risk_work
WITH
    {window_days:Array(UInt32)} AS window_days,
-- include: equity_curves.sql
,
-- include: risk_windows.sql
