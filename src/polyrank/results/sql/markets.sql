-- The open markets where skilled money stands, in a metrics run: every market of the
-- catalogue with an open position (so unresolved at the run's as-of time) of a wallet badged
-- skilled overall (the whole-history window, every category), one row each (one category or
-- every one). Per market: its skilled holders (distinct wallets), their shares and cost basis
-- over every outcome, every open holder (`holders`), and per outcome the skilled money's
-- holders, shares, cost basis, average entry and the outcome's current price (its mark).
-- The leading outcome is the one with the most skilled cost basis (then shares, then the
-- lower index): `edge_gap` = its current price − the skilled average entry on it.
-- Sorted by a whitelisted column, nulls last either way, `sign` = -1 for descending; ties by
-- skilled cost basis, then condition id. `total`: the markets before paging.
WITH
    -- where the run reads each wallet's positions (run_sources)
    sources AS (SELECT source_run, wallet_key FROM run_sources WHERE run_id = {run:String}),
    skilled AS (
        SELECT wallet FROM wallet_metrics
        WHERE run_id = {run:String} AND window = {window:String}
          AND category = {every:String} AND skilled = 1
    ),
    -- the run's tokens with a market, as it kept them (of the category asked for)
    tokens AS (
        SELECT token_key, token_id, condition_id, category FROM run_tokens
        WHERE run_id = {run:String} AND condition_id != ''
          AND ({category:String} = {every:String} OR category = {category:String})
    ),
    skilled_open AS (
        -- (a wallet by its key: only counted here)
        SELECT t.condition_id AS condition_id, t.token_id AS token_id, p.wallet_key AS wallet,
               p.amount AS amount, p.amount * p.avg_price AS cost, p.mark AS mark,
               t.category AS category
        FROM (SELECT * FROM position_rows
              WHERE is_open AND (run_id, wallet_key) IN sources
                AND wallet_key IN (SELECT cityHash64(wallet) FROM skilled)) AS p
        JOIN tokens AS t ON t.token_key = p.token_key
    ),
    per_outcome AS (
        -- (sums over sorted values, the same last bits whatever order the parts are read in)
        SELECT condition_id, token_id, count() AS holders,
               arraySum(arraySort(groupArray(amount))) AS shares,
               arraySum(arraySort(groupArray(cost))) AS cost,
               if(shares > 0, cost / shares, NULL) AS avg_entry,
               any(mark) AS price
        FROM skilled_open
        GROUP BY condition_id, token_id
    ),
    per_market AS (
        SELECT condition_id,
               arraySort(o -> o.1, groupArray((indexOf(m.token_ids, token_id) - 1,
                   m.outcomes[indexOf(m.token_ids, token_id)], token_id, holders, shares,
                   cost, avg_entry, price))) AS outcomes,
               arraySum(arraySort(groupArray(cost))) AS skilled_cost,
               arraySum(arraySort(groupArray(shares))) AS skilled_shares,
               argMax(tuple(indexOf(m.token_ids, token_id) - 1,
                            m.outcomes[indexOf(m.token_ids, token_id)], token_id, shares,
                            cost, avg_entry, price),
                      (cost, shares, -indexOf(m.token_ids, token_id))) AS lead
        FROM per_outcome AS o
        JOIN (SELECT condition_id, token_ids, outcomes FROM markets FINAL) AS m
            ON m.condition_id = o.condition_id
        GROUP BY condition_id
    ),
    wallets AS (
        SELECT condition_id, uniqExact(wallet) AS skilled_holders, any(category) AS category
        FROM skilled_open GROUP BY condition_id
    ),
    everyone AS (
        SELECT t.condition_id AS condition_id, uniqExact(p.wallet_key) AS holders
        FROM (SELECT wallet_key, token_key FROM position_rows
              WHERE is_open AND (run_id, wallet_key) IN sources) AS p
        JOIN (SELECT token_key, condition_id FROM tokens
              WHERE condition_id IN (SELECT condition_id FROM skilled_open)) AS t
            ON t.token_key = p.token_key
        GROUP BY condition_id
    )
SELECT * FROM (
    SELECT m.id AS market_id, pm.condition_id AS condition_id, m.question AS question,
           m.slug AS slug, m.event_id AS event_id, e.title AS event_title,
           w.category AS category, m.closed AS closed,
           w.skilled_holders AS skilled_holders, ev.holders AS holders,
           pm.skilled_shares AS skilled_shares, pm.skilled_cost AS skilled_cost,
           pm.lead.1 AS lead_outcome_index, pm.lead.2 AS lead_outcome,
           pm.lead.3 AS lead_token_id, pm.lead.4 AS lead_shares, pm.lead.5 AS lead_cost,
           pm.lead.6 AS lead_avg_entry, pm.lead.7 AS lead_price,
           pm.lead.7 - pm.lead.6 AS edge_gap,
           pm.outcomes AS outcomes,
           count() OVER () AS total
    FROM per_market AS pm
    JOIN wallets AS w ON w.condition_id = pm.condition_id
    JOIN everyone AS ev ON ev.condition_id = pm.condition_id
    JOIN (SELECT condition_id, id, question, slug, event_id, closed FROM markets FINAL) AS m
        ON m.condition_id = pm.condition_id
    LEFT JOIN (SELECT id, title FROM events FINAL) AS e ON e.id = m.event_id
)
ORDER BY isNull({sort:Identifier}),
         if({sign:Int8} = 1, {sort:Identifier}, NULL) ASC NULLS LAST,
         if({sign:Int8} = -1, {sort:Identifier}, NULL) DESC NULLS LAST,
         skilled_cost DESC, condition_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
