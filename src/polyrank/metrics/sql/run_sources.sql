-- Where the run's wallet rows are (store/schema/0035): the wallets it computed have theirs in
-- its own rows, the others in the rows their base run read them from. With no base run
-- (base_run = ''), every wallet of the run's rows is computed; a carrying run computed the
-- wallets of run_wallets (which may have no rows now: then they have none).
INSERT INTO run_sources
SELECT {run_id:String}, wallet_key, {run_id:String}
FROM (
    SELECT DISTINCT cityHash64(wallet) AS wallet_key FROM wallet_metric_rows
    WHERE run_id = {run_id:String} AND {base_run:String} = ''
    UNION ALL
    SELECT wallet_key FROM run_wallets
    WHERE run_id = {run_id:String} AND {base_run:String} != ''
)
UNION ALL
SELECT {run_id:String}, wallet_key, source_run
FROM run_sources
WHERE run_id = {base_run:String} AND {base_run:String} != ''
      AND wallet_key NOT IN (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String})
