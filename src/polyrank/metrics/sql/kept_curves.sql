-- How many of the wallets a carrying run computes have their equity curve's days before the
-- as-of day taken from the base run (equity_curves.sql): those whose history before it did
-- not change (run_wallets.past) and whose curve the run that computed them last wrote down
-- (a run with `carry`, computed whole or carrying over; a run computed whole without it
-- writes none).
SELECT count()
FROM run_wallets
WHERE run_id = {run_id:String} AND past
      AND wallet_key IN (SELECT wallet_key FROM risk_curves
                         WHERE (run_id, wallet_key) IN (SELECT source_run, wallet_key
                                                        FROM run_sources
                                                        WHERE run_id = {base_run:String}))
