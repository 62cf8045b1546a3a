-- The tokens whose inputs (token_inputs.sql: catalogue row, resolution by the as-of, prices)
-- differ from the base run's, or that only one of the runs has, into run_changed_tokens
-- (metrics/incremental.py): their holders are computed again, and their positions folded
-- again; `catalogue` when their catalogue row changed (or only one run has them): their
-- holders' fill figures are computed again too.
INSERT INTO run_changed_tokens (run_id, token_key, catalogue)
SELECT {run_id:String}, token_key, count() = 1 OR min(catalogue) != max(catalogue)
FROM token_inputs
WHERE run_id IN ({run_id:String}, {base_run:String})
GROUP BY token_key
HAVING count() = 1 OR min(digest) != max(digest)
