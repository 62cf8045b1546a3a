-- What the catalogue says of each bet the run's slice holds (one event, so one category, for
-- all of its tokens; a bet of tokens the catalogue does not know is its own event): the
-- strings the `bets` view joins to bet_rows, those another slice of the run did not already
-- bring. The run's rows keep them whatever a later enrich makes of the bet.
INSERT INTO run_bets
SELECT {run_id:String}, bet_hash, any(bet_key) AS key, any(category),
       if(any(event_id) = '', key, any(event_id))
FROM trade_tokens
WHERE bet_hash IN (
    SELECT bet_hash FROM bet_rows
    WHERE run_id = {run_id:String}
      AND wallet_key BETWEEN {wallet_lo:UInt64} AND {wallet_hi:UInt64})
  AND bet_hash NOT IN (SELECT bet_hash FROM run_bets WHERE run_id = {run_id:String})
GROUP BY bet_hash
