-- Every token in the stored fills, every outcome token of a split or merged condition, and
-- every token of a neg-risk event with a conversion (its legs' tokens, and a few more),
-- joined to the catalogue: condition, outcome index,
-- market, event, neg-risk bet key, category (first canonical tag by priority, else 'other'),
-- payout of this token when resolved. A token the catalogue does not know keeps
-- condition_id = '' (category 'unresolved', its own bet `token:<id>`).
INSERT INTO {target:Identifier}
SELECT
    cityHash64(f.token_id)                                AS token_key,
    f.token_id                                            AS token_id,
    if(m.condition_id != '', m.condition_id, f.condition_id)   AS condition_id,
    toUInt8(if(m.condition_id != '', indexOf(m.token_ids, f.token_id) - 1,
               f.outcome_index))                          AS outcome_index,
    if(m.id != '', m.id, f.market_id)                     AS market_id,
    m.event_id                                            AS event_id,
    if(m.neg_risk = 1, m.neg_risk_market_id, '')          AS neg_risk_market_id,
    multiIf(neg_risk_market_id != '', neg_risk_market_id, condition_id != '', condition_id,
            concat('token:', f.token_id))                 AS bet_key,
    multiIf(condition_id = '', 'unresolved',
            (arrayFirst(c -> has(e.tag_slugs, c), {priority:Array(String)}) AS first_tag) = '',
            'other', first_tag)                           AS category,
    if(c.payout_denominator > 0,
       c.payout_numerators[outcome_index + 1] / c.payout_denominator, NULL) AS payout,
    if(c.payout_denominator > 0, toUInt32(c.resolved_at), NULL)           AS resolved_at,
    cityHash64(condition_id)                              AS condition_key,
    cityHash64(bet_key)                                   AS bet_hash
FROM (
    -- each token with its condition: from the token look-ups, else from the split's market
    SELECT s.token_id AS token_id, if(t.condition_id != '', t.condition_id, s.hint) AS condition_id,
           t.outcome_index AS outcome_index, t.market_id AS market_id
    FROM (
        SELECT token_id, max(hint) AS hint FROM (
            -- the fills' tokens: in a rebuild (every_wallet; loaded_after the epoch), every
            -- fill's; in an incremental enrich, which has appended the new fills' rows to
            -- trade_rows first, those of the fills loaded since the last enrich and the last
            -- enrich's tokens that a trade row holds (its fills' tokens: a fill is never
            -- dropped without a rebuild), so the stored fills are not read whole (0.06 s of
            -- 1M fills' strings, 0.008 s of their rows' keys)
            SELECT DISTINCT token_id, '' AS hint FROM fills
            WHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')}
            UNION ALL
            SELECT token_id, '' FROM trade_tokens
            WHERE NOT {every_wallet:UInt8}
                  AND token_key IN (SELECT DISTINCT token_key FROM trade_rows)
            UNION ALL
            SELECT arrayJoin(token_ids) AS token_id, condition_id AS hint FROM markets FINAL
            WHERE condition_id IN (SELECT condition_id FROM activities
                                   WHERE kind IN ('split', 'merge'))
               OR (neg_risk = 1 AND lower(neg_risk_market_id) IN (
                   -- a conversion names its event (activity subgraph) or one of its
                   -- questions' conditions (Data API)
                   SELECT lower(condition_id) FROM activities WHERE kind = 'conversion'
                   UNION ALL
                   SELECT lower(neg_risk_market_id) FROM markets FINAL
                   WHERE neg_risk = 1 AND condition_id IN (
                       SELECT condition_id FROM activities WHERE kind = 'conversion')))
        ) GROUP BY token_id
    ) AS s
    LEFT JOIN (
        SELECT token_id, condition_id, outcome_index, market_id FROM tokens FINAL
    ) AS t ON t.token_id = s.token_id
) AS f
LEFT JOIN (
    SELECT condition_id, id, event_id, neg_risk, neg_risk_market_id, token_ids FROM markets FINAL
) AS m ON m.condition_id = f.condition_id
LEFT JOIN (
    SELECT id, tag_slugs FROM events FINAL
) AS e ON e.id = m.event_id
LEFT JOIN (
    SELECT condition_id, payout_numerators, payout_denominator, resolved_at
    FROM conditions FINAL WHERE resolved = 1
) AS c ON c.condition_id = f.condition_id
