-- What the catalogue says of each token the run's slice holds a position in (its strings:
-- the `positions` view joins them to position_rows), those another slice of the run did not
-- already bring: the run's rows keep them whatever a later enrich makes of the token.
INSERT INTO run_tokens
SELECT {run_id:String}, token_key, token_id, condition_id, bet_key, category
FROM trade_tokens
WHERE token_key IN (
    SELECT token_key FROM position_rows
    WHERE run_id = {run_id:String}
      AND wallet_key BETWEEN {wallet_lo:UInt64} AND {wallet_hi:UInt64})
  AND token_key NOT IN (SELECT token_key FROM run_tokens WHERE run_id = {run_id:String})
