-- Each market as the activity rows read it, into {target} (enriched_markets' next version;
-- store/schema/0027): its outcome tokens (a split's or merge's legs), its question and
-- neg-risk event (a conversion's legs). Taken when an enrich starts, before it reads the
-- catalogue.
INSERT INTO {target:Identifier}
SELECT condition_id, lower(neg_risk_market_id),
       cityHash64(token_ids, question_id, neg_risk, lower(neg_risk_market_id))
FROM markets FINAL
