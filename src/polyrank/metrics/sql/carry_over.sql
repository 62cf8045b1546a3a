-- A table's rows the base run holds and this run does not, carried over under this run's id
-- (metrics/incremental.py): the rows of the wallets this run does not compute ({key}
-- wallet_key, {taken} run_wallets: the wallets it computes), and the strings of the tokens
-- and bets those rows hold that its own rows did not bring ({key} token_key or bet_hash,
-- {taken} the table itself). A token whose catalogue row changed since the base run has every
-- holder computed again, so what the base run kept of the others is what the catalogue says
-- now. (The run id is replaced outside the filter: an alias `run_id` in the same SELECT
-- would shadow the column in its WHERE.)
INSERT INTO {table:Identifier}
SELECT * REPLACE ({run_id:String} AS run_id)
FROM (
    SELECT *
    FROM {table:Identifier}
    WHERE run_id = {base_run:String}
          AND {key:Identifier} NOT IN (SELECT {key:Identifier} FROM {taken:Identifier}
                                       WHERE run_id = {run_id:String})
)
