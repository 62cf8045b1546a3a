-- A run's positions and bets are kept as the wallet steps compute them, numbers only (the
-- wallet, token and bet by their keys): `position_rows` (the fold's own table, sorted by
-- wallet) and `bet_rows`. Writing every position again with five strings (the wallet's
-- address, the token's id, condition, bet and category) cost more than the fold itself at
-- 10M fills. The strings are joined when read: what the catalogue said of each token and
-- bet the run holds from `run_tokens` and `run_bets` (a later enrich may change a token's
-- category or bet; the run's rows keep theirs), the wallet's address from `trade_wallets`
-- (it never changes for its key). `positions` and `bets` are now views that join them, with
-- the columns and order the tables had.
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

CREATE TABLE IF NOT EXISTS run_bets (
    run_id    String,
    bet_hash  UInt64,                  -- cityHash64(bet_key)
    bet_key   String,
    category  LowCardinality(String),
    event_id  String                   -- a bet of a token the catalogue does not know: its key
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY bet_hash;

CREATE TABLE IF NOT EXISTS bet_rows (
    run_id         String,
    wallet_key     UInt64,
    bet_hash       UInt64,
    pnl            Float64,
    cost           Float64,
    closed         UInt8,
    closed_ts      Nullable(UInt32),
    positions      UInt32,
    pnl_polymarket Float64,
    pnl_fee_effect Float64,
    pnl_unredeemed Float64,
    shares_bought  Float64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, bet_hash);

INSERT INTO run_bets
SELECT run_id, cityHash64(bet_key) AS bet_hash, any(bet_key), any(category), any(event_id)
FROM bets
WHERE run_id NOT IN (SELECT run_id FROM run_bets)
GROUP BY run_id, bet_hash;

INSERT INTO bet_rows
SELECT run_id, cityHash64(wallet), cityHash64(bet_key), pnl, cost, closed, closed_ts,
       positions, pnl_polymarket, pnl_fee_effect, pnl_unredeemed, shares_bought
FROM bets
WHERE run_id NOT IN (SELECT run_id FROM bet_rows);

DROP TABLE IF EXISTS bets;

CREATE VIEW IF NOT EXISTS bets AS
SELECT b.run_id AS run_id, w.wallet AS wallet, k.bet_key AS bet_key, k.category AS category,
       b.pnl AS pnl, b.cost AS cost, b.closed AS closed, b.closed_ts AS closed_ts,
       b.positions AS positions, b.pnl_polymarket AS pnl_polymarket,
       b.pnl_fee_effect AS pnl_fee_effect, b.pnl_unredeemed AS pnl_unredeemed,
       b.shares_bought AS shares_bought, k.event_id AS event_id
FROM bet_rows AS b
JOIN run_bets AS k ON k.run_id = b.run_id AND k.bet_hash = b.bet_hash
JOIN trade_wallets AS w ON w.wallet_key = b.wallet_key;
