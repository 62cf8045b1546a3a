-- Risk (docs/metrics.md §4.7) per wallet, scope and window, into risk_work, of a carrying
-- run: the curves risk_curves.sql wrote for the run's wallets, folded into the figures
-- (risk_windows.sql).
INSERT INTO risk_work
WITH
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    {window_days:Array(UInt32)} AS window_days,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    -- the categories by number (metrics/run.py: numbered), as risk_work keys its scopes
    {categories:Array(String)} AS categories,
    equity_curves AS (
        -- the curves risk_curves.sql wrote, with their scopes by number
        SELECT wallet_key,
               toUInt8(if(category = 'all', 0, indexOf(categories, toString(category))))
                   AS scope,
               days, changes, cash
        FROM risk_curves
        WHERE run_id = {run_id:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
    ),
-- include: risk_windows.sql
