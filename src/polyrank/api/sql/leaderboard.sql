-- one page of the leaderboard of a metrics run, every METRICS.md §4 figure of each wallet.
-- The sort column is a whitelisted identifier, nulls always last, `sign` = -1 for descending; ranks are taken over the whole board before
-- the address search filters it, so a searched wallet keeps its rank.
SELECT * EXCEPT (search_hit)
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
)
WHERE search_hit
ORDER BY rank
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
