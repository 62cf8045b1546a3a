-- The strings of the base run's tokens this run's own positions did not bring (run_tokens.sql),
-- carried over with the positions that hold them (metrics/incremental.py). A token whose
-- catalogue row changed since the base run has every holder computed again, so what the base
-- run kept of the others is what the catalogue says now.
INSERT INTO run_tokens
SELECT {run_id:String}, token_key, token_id, condition_id, bet_key, category
FROM run_tokens
WHERE run_id = {base_run:String}
  AND token_key NOT IN (SELECT token_key FROM run_tokens WHERE run_id = {run_id:String})
