-- what the store holds of each market, to skip unchanged ones on re-sync
SELECT condition_id,
       argMax(closed, updated_at), argMax(uma_resolution_status, updated_at),
       argMax(outcome_prices, updated_at), argMax(token_ids, updated_at),
       argMax(question, updated_at), argMax(event_id, updated_at)
FROM markets GROUP BY condition_id
