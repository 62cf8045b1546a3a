-- A run's daily equity changes are no longer written down: metrics/sql/risk.sql folds them
-- into the risk figures (risk_work) in the statement that builds them.
DROP TABLE IF EXISTS risk_days;
