-- A carrying run's daily equity curves (equity_curves.sql) of the wallets it computes, into
-- risk_curves: its risk figures are folded from them (risk_of_curves.sql), and a later
-- carrying run of the same day takes their days before its as-of day instead of building
-- them again, for a wallet whose history before them did not change.
INSERT INTO risk_curves (run_id, wallet_key, category, days, changes, cash)
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
-- include: equity_curves.sql
SELECT {run_id:String}, wallet_key, if(scope = 0, 'all', categories[scope]), days, changes, cash
FROM equity_curves
