-- Per traded token, one hash of what the run reads about it (metrics/incremental.py): its
-- catalogue row, whether it is resolved by the as-of time, and its prices of the run
-- (token_prices.sql, which runs first); and one of its catalogue row alone (what the fill
-- figures read of it: wallet_rows.sql).
INSERT INTO token_inputs (run_id, token_key, digest, catalogue)
WITH {as_of:UInt32} AS as_of
SELECT {run_id:String}, t.token_key,
       cityHash64(catalogue, ifNull(t.payout, -1),
                  ifNull(t.resolved_at, 0), t.payout IS NOT NULL AND ifNull(t.resolved_at, 4294967295) <= as_of,
                  p.n, p.x, p.s),
       cityHash64(t.token_id, t.condition_id, t.outcome_index, t.market_id, t.event_id,
                  t.neg_risk_market_id, t.bet_key, toString(t.category)) AS catalogue
FROM trade_tokens AS t
LEFT JOIN (
    SELECT token_key, count() AS n, groupBitXor(cityHash64(day, price)) AS x,
           sum(cityHash64(day, price)) AS s
    FROM token_prices WHERE run_id = {run_id:String}
    GROUP BY token_key
) AS p ON p.token_key = t.token_key
