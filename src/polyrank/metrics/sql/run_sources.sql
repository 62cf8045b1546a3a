-- Where the run's positions, bets and wallet rows are (store/schema/0035, 0037), and how many
-- of each (0042: the run's counts, metrics/run.py: publish_run): the wallets it computed
-- have theirs under its own id, counted there, the others where their base run read them,
-- with the base run's counts. With no base run (base_run = ''), every wallet with a
-- position, a bet or a wallet row in the run is computed; a carrying run computed the
-- wallets of run_wallets (which may have no rows now: then they have none).
INSERT INTO run_sources (run_id, wallet_key, source_run, positions, bets, wallet_rows)
SELECT {run_id:String}, wallet_key, {run_id:String}, sum(p), sum(b), sum(m)
FROM (
    SELECT cityHash64(wallet) AS wallet_key, toUInt64(0) AS p, toUInt64(0) AS b,
           count() AS m
    FROM wallet_metric_rows WHERE run_id = {run_id:String}
    GROUP BY wallet_key
    UNION ALL
    SELECT wallet_key, count(), 0, 0 FROM position_rows WHERE run_id = {run_id:String}
    GROUP BY wallet_key
    UNION ALL
    SELECT wallet_key, 0, count(), 0 FROM bet_rows WHERE run_id = {run_id:String}
    GROUP BY wallet_key
    UNION ALL
    SELECT wallet_key, 0, 0, 0 FROM run_wallets
    WHERE run_id = {run_id:String} AND {base_run:String} != ''
)
GROUP BY wallet_key
UNION ALL
SELECT {run_id:String}, wallet_key, source_run, positions, bets, wallet_rows
FROM run_sources
WHERE run_id = {base_run:String} AND {base_run:String} != ''
      AND wallet_key NOT IN (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String})
