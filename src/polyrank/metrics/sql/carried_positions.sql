-- The positions of the wallets a carrying run computes that it does not fold again, copied
-- from the base run before the wallet steps (which read every position of a wallet they
-- compute): those of wallets not computed whole (run_wallets.whole = 0, changed_wallets.sql)
-- on tokens whose inputs did not change (run_changed_tokens) that did not move since the base
-- run (run_moved_positions). A position's row reads only its wallet's own events and
-- redemptions, its token's catalogue row, resolution and mark, and the as-of time through
-- them: all the same as the base run's. (The run id is replaced outside the filter, as in
-- carry_over.sql.)
INSERT INTO position_rows
SELECT * REPLACE ({run_id:String} AS run_id)
FROM (
    SELECT *
    FROM position_rows
    -- the base run's positions of those wallets, where it read them (run_sources.sql)
    WHERE (run_id, wallet_key) IN (
              SELECT source_run, wallet_key FROM run_sources
              WHERE run_id = {base_run:String}
                    AND wallet_key IN (SELECT wallet_key FROM run_wallets
                                       WHERE run_id = {run_id:String} AND NOT whole))
          AND token_key NOT IN (SELECT token_key FROM run_changed_tokens
                                WHERE run_id = {run_id:String})
          AND (wallet_key, token_key) NOT IN (SELECT wallet_key, token_key
                                              FROM run_moved_positions
                                              WHERE run_id = {run_id:String})
)
