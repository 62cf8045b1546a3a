-- What a metrics run is computed from, as one value that changes whenever any of it does: the
-- fills and activities (the latest load's stamp, which every new row moves, and how many
-- rows there are, which a wallet's Data API rows leaving for the chain's moves: each a
-- count from the parts' own row counts, not a read of every id — a duplicate a retried load
-- left, until a merge drops it, counts too, which costs at most a run that equals the
-- last) and a hash of exactly the catalogue columns the enrichment reads — so a sync that
-- rewrites a market only for its moving price or volume (Gamma's outcomePrices, which the
-- metrics do not use: marks are the latest fill's price) changes nothing here. A refresh that
-- finds the same value as the readable run's has nothing to compute.
SELECT concat(
    toString((SELECT max(loaded_at) FROM fills)), '|',
    toString((SELECT count() FROM fills)), '|',
    toString((SELECT max(inserted_at) FROM activities)), '|',
    toString((SELECT count() FROM activities)), '|',
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
