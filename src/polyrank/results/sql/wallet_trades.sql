-- one wallet's fills as loaded (no enrich or metrics run needed), newest first, decoded from
-- its side, with the market question and outcome where the catalogue knows the token
SELECT f.id AS fill_id, f.timestamp AS ts, toString(f.side) AS side, f.token_id AS token_id,
       t.condition_id AS condition_id, m.question AS question,
       m.outcomes[indexOf(m.token_ids, f.token_id)] AS outcome,
       if(f.shares = 0, NULL, f.usdc / f.shares) AS price, f.shares / 1e6 AS shares,
       f.usdc / 1e6 AS usdc, f.fee / 1e6 AS fee,
       if(f.side = 'BUY' AND f.exchange_version != 2, 'shares', 'USDC') AS fee_unit,
       f.exchange_version AS exchange_version
FROM (
    SELECT id, timestamp, side, token_id, shares, usdc, fee, exchange_version
    FROM fills FINAL WHERE maker = {wallet:String}
    ORDER BY timestamp DESC, id DESC
    LIMIT {limit:UInt32} OFFSET {offset:UInt32}
) AS f
LEFT JOIN (SELECT token_id, condition_id FROM tokens FINAL) AS t
    ON t.token_id = f.token_id
LEFT JOIN (SELECT condition_id, question, outcomes, token_ids FROM markets FINAL) AS m
    ON m.condition_id = t.condition_id
ORDER BY ts DESC, fill_id DESC
