-- A carrying run's daily equity curves (equity_curves.sql) of the wallets it computes, into
-- risk_curves: its risk figures are folded from them (risk_of_curves.sql), and a later
-- carrying run takes their days before this run's as-of day instead of building them
-- again, for a wallet whose history before them did not change.
INSERT INTO risk_curves (run_id, wallet_key, category, days, changes, cash)
WITH
-- include: equity_curves.sql
SELECT {run_id:String}, wallet_key, if(scope = 0, 'all', categories[scope]), days, changes, cash
FROM equity_curves
