-- one page of the leaderboard of a metrics run, every docs/metrics.md §4 figure of each wallet,
-- optionally only the skilled (§4.6) and without the flagged behaviours the reader hides (§4.8).
-- The sort column is a whitelisted identifier, nulls always last, `sign` = -1 for descending; ranks are taken over the whole board before
-- the address search filters it, so a searched wallet keeps its rank. `fills_without_fee`:
-- the wallet's V2 fills loaded from the Data API, which reports no fee (P&L is before them).
SELECT b.* EXCEPT (search_hit), ifNull(w.fills_without_fee, 0) AS fills_without_fee
FROM (
    SELECT
        m.* EXCEPT (run_id, window, category),
        s.badges AS specialist_in,
        row_number() OVER (ORDER BY isNull({sort:Identifier}), {sort:Identifier} * {sign:Int8},
                                    m.realized_pnl * -1, m.wallet) AS rank,
        position(m.wallet, {search:String}) > 0 AS search_hit
    FROM wallet_metrics AS m
    LEFT JOIN (
        SELECT wallet, groupArray(category) AS badges
        FROM specialists WHERE run_id = {run:String} AND is_specialist GROUP BY wallet
    ) AS s ON s.wallet = m.wallet
    WHERE m.run_id = {run:String} AND m.window = {window:String}
      AND m.category = {category:String}
      AND if({min_bets:Int64} < 0, m.eligibility = 'ranked', m.bets_closed >= {min_bets:Int64})
      -- the reader's filters (docs/metrics.md §4.6, §4.8): ranks are taken after them
      AND (NOT {skilled:Bool} OR m.skilled)
      AND NOT (m.market_maker AND has({hide:Array(String)}, 'market_maker'))
      AND NOT (m.high_frequency AND has({hide:Array(String)}, 'high_frequency'))
      AND NOT (m.favourite_buyer AND has({hide:Array(String)}, 'favourite_buyer'))
) AS b
LEFT JOIN (
    SELECT wallet, argMax(v2_fills_without_fee, updated_at) AS fills_without_fee
    FROM ingest_wallets GROUP BY wallet
) AS w ON w.wallet = b.wallet
WHERE b.search_hit
ORDER BY b.rank
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
