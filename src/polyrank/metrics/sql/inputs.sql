-- What a metrics run is computed from, as one value that changes whenever any of it does: the
-- fills and activities (the latest load's stamp and how many there are: rows are only ever
-- added) and a hash of exactly the catalogue columns the enrichment reads — so a sync that
-- rewrites a market only for its moving price or volume (Gamma's outcomePrices, which the
-- metrics do not use: marks are the latest fill's price) changes nothing here. A refresh that
-- finds the same value as the readable run's has nothing to compute.
SELECT concat(
    toString((SELECT max(loaded_at) FROM fills)), '|',
    toString((SELECT uniqExact(id) FROM fills)), '|',
    toString((SELECT max(inserted_at) FROM activities)), '|',
    toString((SELECT uniqExact(id) FROM activities)), '|',
    toString((SELECT groupBitXor(cityHash64(id, tag_slugs)) FROM events FINAL)), '|',
    toString((SELECT groupBitXor(cityHash64(condition_id, id, event_id, question_id, neg_risk,
                                            neg_risk_market_id, token_ids))
              FROM markets FINAL)), '|',
    toString((SELECT groupBitXor(cityHash64(token_id, condition_id, outcome_index, market_id))
              FROM tokens FINAL)), '|',
    toString((SELECT groupBitXor(cityHash64(condition_id, resolved, payout_numerators,
                                            payout_denominator,
                                            ifNull(toUnixTimestamp(resolved_at), 0)))
              FROM conditions FINAL)))
