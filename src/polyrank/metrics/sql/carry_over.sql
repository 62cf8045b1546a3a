-- A table's rows the base run holds and this run does not, carried over under this run's id
-- (metrics/incremental.py): the strings of the tokens and bets the wallets it does not
-- compute hold (their positions and bets stay where the base run read them: run_sources.sql)
-- that its own rows did not bring ({key} token_key or bet_hash, {taken} the table itself).
-- A token whose catalogue row changed since the base run has every holder computed again, so
-- what the base run kept of the others is what the catalogue says now. (The run id is
-- replaced outside the filter: an alias `run_id` in the same SELECT would shadow the column
-- in its WHERE.)
INSERT INTO {table:Identifier}
SELECT * REPLACE ({run_id:String} AS run_id)
FROM (
    SELECT *
    FROM {table:Identifier}
    WHERE run_id = {base_run:String}
          AND {key:Identifier} NOT IN (SELECT {key:Identifier} FROM {taken:Identifier}
                                       WHERE run_id = {run_id:String})
)
