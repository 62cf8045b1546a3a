-- A table's rows of the wallets this run does not compute, carried over from the base run
-- (metrics/incremental.py) under this run's id. (The run id is replaced outside the filter:
-- an alias `run_id` in the same SELECT would shadow the column in its WHERE.)
INSERT INTO {table:Identifier}
SELECT * REPLACE ({run_id:String} AS run_id)
FROM (
    SELECT *
    FROM {table:Identifier}
    WHERE run_id = {base_run:String}
          AND wallet_key NOT IN (SELECT wallet_key FROM run_wallets
                                 WHERE run_id = {run_id:String})
)
