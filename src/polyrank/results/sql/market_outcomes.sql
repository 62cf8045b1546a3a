-- Per outcome (token) of one market in a metrics run: its current price (the token's mark,
-- its latest trade price: the same on every position of the token; null when nobody traded
-- it) and, over the open positions of three groups of holders — every holder in the store,
-- the wallets badged skilled overall (the whole-history window, every category) and those
-- badged skilled in the market's own category (the whole-history window) — the holders,
-- their net shares (Σ amount), cost basis (Σ amount × avg_price), average entry (cost basis
-- / shares) and unrealized P&L at the current price (Σ unrealized). Outcomes in the
-- catalogue's order. Sums are taken over sorted values: the run's positions are written in
-- parts (one per slice), read in parallel, so a plain sum's order (and last bits) would vary
-- from one request to the next.
WITH
    tokens AS (
        SELECT token_key, token_id FROM run_tokens
        WHERE run_id = {run:String} AND condition_id = {condition:String}
    ),
    skilled_all AS (
        SELECT wallet FROM wallet_metrics
        WHERE run_id = {run:String} AND window = {window:String}
          AND category = {every:String} AND skilled = 1
    ),
    skilled_cat AS (
        SELECT wallet FROM wallet_metrics
        WHERE run_id = {run:String} AND window = {window:String}
          AND category = {category:String} AND skilled = 1
    ),
    held AS (
        SELECT token_id, any(mark) AS price,
               countIf(is_open) AS all_holders,
               arraySum(arraySort(groupArrayIf(amount, is_open))) AS all_shares,
               arraySum(arraySort(groupArrayIf(cost, is_open))) AS all_cost,
               arraySum(arraySort(groupArrayIf(unrealized, is_open))) AS all_unrealized,
               countIf(is_open AND sa) AS skilled_holders,
               arraySum(arraySort(groupArrayIf(amount, is_open AND sa))) AS skilled_shares,
               arraySum(arraySort(groupArrayIf(cost, is_open AND sa))) AS skilled_cost,
               arraySum(arraySort(groupArrayIf(unrealized, is_open AND sa)))
                   AS skilled_unrealized,
               countIf(is_open AND sc) AS category_holders,
               arraySum(arraySort(groupArrayIf(amount, is_open AND sc))) AS category_shares,
               arraySum(arraySort(groupArrayIf(cost, is_open AND sc))) AS category_cost,
               arraySum(arraySort(groupArrayIf(unrealized, is_open AND sc)))
                   AS category_unrealized
        FROM (
            -- the market's positions in the run, by number (its tokens as the run kept them)
            SELECT t.token_id AS token_id, p.mark AS mark, p.is_open AS is_open,
                   p.amount AS amount, p.amount * p.avg_price AS cost,
                   p.unrealized AS unrealized,
                   p.wallet_key IN (SELECT cityHash64(wallet) FROM skilled_all) AS sa,
                   p.wallet_key IN (SELECT cityHash64(wallet) FROM skilled_cat) AS sc
            FROM (SELECT * FROM position_rows
                  WHERE token_key IN (SELECT token_key FROM tokens)
                    -- each wallet's positions where the run reads them (run_sources)
                    AND (run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                                 WHERE run_id = {run:String})) AS p
            JOIN tokens AS t ON t.token_key = p.token_key
        )
        GROUP BY token_id
    )
SELECT o.i - 1 AS outcome_index, o.token_id AS token_id, o.outcome AS outcome,
       h.price AS price,
       ifNull(h.all_holders, 0) AS all_holders, ifNull(h.all_shares, 0) AS all_shares,
       ifNull(h.all_cost, 0) AS all_cost, ifNull(h.all_unrealized, 0) AS all_unrealized,
       ifNull(h.skilled_holders, 0) AS skilled_holders,
       ifNull(h.skilled_shares, 0) AS skilled_shares,
       ifNull(h.skilled_cost, 0) AS skilled_cost,
       ifNull(h.skilled_unrealized, 0) AS skilled_unrealized,
       ifNull(h.category_holders, 0) AS category_holders,
       ifNull(h.category_shares, 0) AS category_shares,
       ifNull(h.category_cost, 0) AS category_cost,
       ifNull(h.category_unrealized, 0) AS category_unrealized
FROM (
    SELECT arrayJoin(arrayEnumerate({token_ids:Array(String)})) AS i,
           {token_ids:Array(String)}[i] AS token_id,
           {outcomes:Array(String)}[i] AS outcome
) AS o
LEFT JOIN (SELECT * FROM held) AS h ON h.token_id = o.token_id
ORDER BY o.i
