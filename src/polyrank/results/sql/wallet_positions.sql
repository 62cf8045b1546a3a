-- one wallet's positions in a metrics run (open first, then the latest closed), with the
-- market (its Gamma id, question) and the outcome from the catalogue; an open position's
-- current price is its `mark` (the token's latest trade price) and `unrealized` its P&L there
SELECT p.token_id AS token_id, p.condition_id AS condition_id, m.id AS market_id,
       m.question AS question,
       m.outcomes[indexOf(m.token_ids, p.token_id)] AS outcome,
       p.category AS category, p.amount AS amount, p.avg_price AS avg_price, p.cost AS cost,
       p.bought AS bought, p.realized AS realized, p.unrealized AS unrealized, p.mark AS mark,
       p.unmatched_sell AS unmatched_sell, p.is_open AS is_open, p.closed_ts AS closed_ts,
       p.fills AS fills, count() OVER () AS total
FROM (
    -- (the run's positions by number, the token's strings as the run kept them)
    SELECT p.*, t.token_id AS token_id, t.condition_id AS condition_id, t.category AS category
    FROM (
        SELECT * FROM position_rows
        -- the wallet's positions where the run reads them (run_sources)
        WHERE (run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                       WHERE run_id = {run:String}
                                             AND wallet_key = cityHash64({wallet:String}))
          AND ({state:String} = 'all' OR is_open = ({state:String} = 'open'))
    ) AS p
    JOIN (SELECT token_key, token_id, condition_id, category FROM run_tokens
          WHERE run_id = {run:String}) AS t ON t.token_key = p.token_key
) AS p
LEFT JOIN (SELECT condition_id, id, question, outcomes, token_ids FROM markets FINAL) AS m
    ON m.condition_id = p.condition_id
ORDER BY p.is_open DESC, p.closed_ts DESC, p.token_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
