-- The skilled holders of one market in a metrics run: every open position of a wallet badged
-- skilled overall (the whole-history window, every category) or in the market's category
-- (the whole-history window), largest holdings first, with the wallet's skill figures and
-- behaviour flags of its overall row (docs/metrics.md §4.6, §4.8) and its skill figures in
-- the category. `total`: the skilled open positions before the limit.
WITH
    -- the market's tokens as the run kept them, its open positions in the run (by number)
    -- and their wallets' addresses
    tokens AS (
        SELECT token_key, token_id FROM run_tokens
        WHERE run_id = {run:String} AND condition_id = {condition:String}
    ),
    held AS (
        SELECT wallet_key, token_key, amount, avg_price, mark, unrealized FROM position_rows
        WHERE is_open AND token_key IN (SELECT token_key FROM tokens)
          -- each wallet's positions where the run reads them (run_sources)
          AND (run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                       WHERE run_id = {run:String})
    ),
    holders AS (
        SELECT wallet_key, wallet FROM trade_wallets
        WHERE wallet_key IN (SELECT wallet_key FROM held)
    )
SELECT p.wallet AS wallet, p.token_id AS token_id,
       indexOf({token_ids:Array(String)}, p.token_id) - 1 AS outcome_index,
       {outcomes:Array(String)}[indexOf({token_ids:Array(String)}, p.token_id)] AS outcome,
       p.amount AS shares, p.avg_price AS avg_price, p.amount * p.avg_price AS cost,
       p.mark AS price, p.unrealized AS unrealized,
       s.skilled = 1 AS skilled, c.skilled = 1 AS skilled_in_category,
       s.edge AS edge, s.edge_lb AS edge_lb, s.skill_z AS skill_z,
       c.edge_lb AS category_edge_lb, c.skill_z AS category_skill_z,
       s.market_maker = 1 AS market_maker, s.high_frequency = 1 AS high_frequency,
       s.favourite_buyer = 1 AS favourite_buyer,
       count() OVER () AS total
FROM (
    SELECT w.wallet AS wallet, t.token_id AS token_id, h.amount AS amount,
           h.avg_price AS avg_price, h.mark AS mark, h.unrealized AS unrealized
    FROM held AS h
    JOIN tokens AS t ON t.token_key = h.token_key
    JOIN holders AS w ON w.wallet_key = h.wallet_key
) AS p
LEFT JOIN (
    SELECT wallet, skilled, edge, edge_lb, skill_z, market_maker, high_frequency,
           favourite_buyer
    FROM wallet_metrics
    WHERE run_id = {run:String} AND window = {window:String} AND category = {every:String}
      AND wallet IN (SELECT wallet FROM holders)
) AS s ON s.wallet = p.wallet
LEFT JOIN (
    SELECT wallet, skilled, edge_lb, skill_z FROM wallet_metrics
    WHERE run_id = {run:String} AND window = {window:String}
      AND category = {category:String} AND skilled = 1
) AS c ON c.wallet = p.wallet
WHERE s.skilled = 1 OR c.skilled = 1
ORDER BY shares DESC, wallet, token_id
LIMIT {limit:UInt32}
