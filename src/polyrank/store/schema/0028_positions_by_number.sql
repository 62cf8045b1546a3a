-- A run's positions are kept as the fold writes them, numbers only (wallet and token by their
-- keys): `position_rows`, sorted by wallet. Writing every position again with five strings
-- (the wallet's address, the token's id, condition, bet and category) cost more than the fold
-- itself at 10M fills. The strings are joined when read: the token's from `run_tokens`, what
-- the catalogue said of each token the run holds a position in (a later enrich may change a
-- token's category or bet; the run's rows keep theirs), the wallet's from `trade_wallets`
-- (an address never changes for its key). `positions` is now a view that joins them, with
-- the columns and order the table had.
CREATE TABLE IF NOT EXISTS run_tokens (
    run_id       String,
    token_key    UInt64,
    token_id     String,
    condition_id String,
    bet_key      String,
    category     LowCardinality(String)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY token_key;

-- (its rows were a run in progress: no run is computed beside a migration)
TRUNCATE TABLE IF EXISTS position_work;

RENAME TABLE position_work TO position_rows;

-- the runs the store keeps, from the table they were written to
INSERT INTO run_tokens
SELECT run_id, cityHash64(token_id) AS token_key, any(token_id), any(condition_id),
       any(bet_key), any(category)
FROM positions
WHERE run_id NOT IN (SELECT run_id FROM run_tokens)
GROUP BY run_id, token_key;

INSERT INTO position_rows
SELECT run_id, cityHash64(wallet), cityHash64(token_id), amount, avg_price, realized, cost,
       bought, unmatched_sell, fills, is_open, closed_ts, mark, unrealized, pnl_polymarket,
       pnl_fee_effect, pnl_unredeemed
FROM positions
WHERE run_id NOT IN (SELECT run_id FROM position_rows);

DROP TABLE IF EXISTS positions;

CREATE VIEW IF NOT EXISTS positions AS
SELECT p.run_id AS run_id, w.wallet AS wallet, t.token_id AS token_id,
       t.condition_id AS condition_id, t.bet_key AS bet_key, t.category AS category,
       p.amount AS amount, p.avg_price AS avg_price, p.realized AS realized, p.cost AS cost,
       p.bought AS bought, p.unmatched_sell AS unmatched_sell, p.fills AS fills,
       p.is_open AS is_open, p.closed_ts AS closed_ts, p.mark AS mark,
       p.unrealized AS unrealized, p.pnl_polymarket AS pnl_polymarket,
       p.pnl_fee_effect AS pnl_fee_effect, p.pnl_unredeemed AS pnl_unredeemed
FROM position_rows AS p
JOIN run_tokens AS t ON t.run_id = p.run_id AND t.token_key = p.token_key
JOIN trade_wallets AS w ON w.wallet_key = p.wallet_key;

-- a bet's wallet by its key, as position_rows has it (a run carrying over from another copies
-- both tables' rows of the wallets it does not compute by that key)
ALTER TABLE bets ADD COLUMN IF NOT EXISTS wallet_key UInt64 ALIAS cityHash64(wallet);
