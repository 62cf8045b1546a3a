-- Per partition (run) of {table}, one of the tables of wallets' rows that a kept run reads
-- where they were computed (metrics/compaction.py): its rows, and how many of them a kept
-- run reads (run_sources of the runs {keep}). The others are dead: rows of wallets that a
-- later run computed again, which no kept run reads any more.
SELECT run_id, count() AS total,
       countIf((run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                        WHERE run_id IN {keep:Array(String)})) AS live
FROM {table:Identifier}
GROUP BY run_id
