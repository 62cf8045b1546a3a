-- The strings of the base run's tokens or bets ({table}: run_tokens, run_bets; {key}: their
-- key) that this run's own rows did not bring (run_tokens.sql, run_bets.sql), carried over
-- with the rows that hold them (metrics/incremental.py). A token whose catalogue row changed
-- since the base run has every holder computed again, so what the base run kept of the
-- others is what the catalogue says now.
INSERT INTO {table:Identifier}
SELECT * REPLACE ({run_id:String} AS run_id)
FROM (
    SELECT *
    FROM {table:Identifier}
    WHERE run_id = {base_run:String}
          AND {key:Identifier} NOT IN (SELECT {key:Identifier} FROM {table:Identifier}
                                       WHERE run_id = {run_id:String})
)
