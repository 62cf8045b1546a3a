SELECT id, argMax(closed, updated_at), argMax(tag_slugs, updated_at), argMax(title, updated_at),
       argMax(neg_risk_market_id, updated_at)
FROM events GROUP BY id
