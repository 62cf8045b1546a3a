-- One market of the catalogue by its Gamma id or its condition id, with its event, its
-- category (the metrics run's, from its positions; a market nobody holds: its event's first
-- canonical tag, else 'other', as enrichment assigns it) and, per outcome, its resolution
-- as the run sees it (a payout known at or before the run's as-of time).
SELECT m.condition_id AS condition_id, m.id AS market_id, m.question AS question,
       m.slug AS slug, m.event_id AS event_id, e.title AS event_title, e.slug AS event_slug,
       m.outcomes AS outcomes, m.token_ids AS token_ids, m.closed AS closed,
       m.neg_risk AS neg_risk, toUnixTimestamp(m.end_date) AS end_date,
       if(ifNull(p.category, '') != '', p.category,
          if((arrayFirst(c -> has(e.tag_slugs, c), {priority:Array(String)}) AS first_tag) = '',
             {other:String}, first_tag)) AS category,
       c.payout_denominator > 0 AND toUInt32(c.resolved_at) <= {as_of:UInt32} AS resolved,
       if(resolved, arrayMap(n -> n / c.payout_denominator, c.payout_numerators), [])
           AS payouts,
       if(resolved, toUInt32(c.resolved_at), NULL) AS resolved_at
FROM (
    SELECT condition_id, id, question, slug, event_id, outcomes, token_ids, closed, neg_risk,
           end_date
    FROM markets FINAL
    WHERE id = {market:String} OR lower(condition_id) = {market:String}
    ORDER BY id = {market:String} DESC
    LIMIT 1
) AS m
LEFT JOIN (SELECT id, title, slug, tag_slugs FROM events FINAL) AS e ON e.id = m.event_id
LEFT JOIN (
    SELECT condition_id, any(category) AS category FROM run_tokens
    WHERE run_id = {run:String} AND lower(condition_id) IN (
        SELECT lower(condition_id) FROM markets FINAL
        WHERE id = {market:String} OR lower(condition_id) = {market:String})
    GROUP BY condition_id
) AS p ON p.condition_id = m.condition_id
LEFT JOIN (
    SELECT condition_id, payout_numerators, payout_denominator, resolved_at
    FROM conditions FINAL WHERE resolved = 1
) AS c ON c.condition_id = m.condition_id
