-- Where the run's positions, bets and wallet rows are (store/schema/0035, 0037): the wallets
-- it computed have theirs under its own id, the others where their base run read them. With
-- no base run (base_run = ''), every wallet with a position, a bet or a wallet row in the run
-- is computed; a carrying run computed the wallets of run_wallets (which may have no rows
-- now: then they have none).
INSERT INTO run_sources
SELECT {run_id:String}, wallet_key, {run_id:String}
FROM (
    SELECT wallet_key FROM (
        SELECT cityHash64(wallet) AS wallet_key FROM wallet_metric_rows
        WHERE run_id = {run_id:String}
        UNION DISTINCT
        SELECT wallet_key FROM position_rows WHERE run_id = {run_id:String}
        UNION DISTINCT
        SELECT wallet_key FROM bet_rows WHERE run_id = {run_id:String}
    )
    WHERE {base_run:String} = ''
    UNION ALL
    SELECT wallet_key FROM run_wallets
    WHERE run_id = {run_id:String} AND {base_run:String} != ''
)
UNION ALL
SELECT {run_id:String}, wallet_key, source_run
FROM run_sources
WHERE run_id = {base_run:String} AND {base_run:String} != ''
      AND wallet_key NOT IN (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String})
