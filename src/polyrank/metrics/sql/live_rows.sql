-- The rows of partition (run) {partition} of {table} that a kept run (of {keep}) reads, into
-- {target}, an empty table shaped like {table}, which then replaces the partition
-- (metrics/compaction.py).
INSERT INTO {target:Identifier}
SELECT *
FROM {table:Identifier}
WHERE run_id = {partition:String}
      AND (run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                   WHERE run_id IN {keep:Array(String)})
