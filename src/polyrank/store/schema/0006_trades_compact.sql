-- `trades` split for speed: every metrics run reads one row per fill, and strings on that
-- path cost more than all the arithmetic. What the catalogue says about a fill depends only
-- on its token, and the wallet string only on its key, so:
--   trade_rows    one row per fill, numbers only (wallet and token by their cityHash64 keys)
--   trade_tokens  one row per traded token: its catalogue columns (+ hashed keys)
--   trade_wallets wallet_key -> address
-- `trades` becomes a view joining the three, with the same columns and meaning as before.
-- polyrank enrich rebuilds the three tables; this migration moves an existing table's rows.
CREATE TABLE IF NOT EXISTS trade_rows (
    wallet_key  UInt64,                -- cityHash64(wallet)
    token_key   UInt64,                -- cityHash64(token_id)
    ts          UInt32,
    tx_key      UInt64,                -- first 8 bytes of the transaction hash
    order_key   UInt64,                -- first 8 bytes of the order hash
    is_buy      UInt8,
    shares      Int64,
    usdc        Int64,
    received    Int64,
    cash        Int64,
    fee_usdc    Int64,
    fee_shares  Int64,
    version     UInt8
) ENGINE = MergeTree
ORDER BY (wallet_key, token_key, ts, tx_key, order_key);

-- Plain String columns: the metrics join them onto millions of result rows, and a
-- LowCardinality column there costs a dictionary look-up per row (twice the positions step).
CREATE TABLE IF NOT EXISTS trade_tokens (
    token_key          UInt64,
    token_id           String,
    condition_id       String,                 -- '' while the token is unresolved
    outcome_index      UInt8,
    market_id          String,
    event_id           String,
    neg_risk_market_id String,
    bet_key            String,
    category           LowCardinality(String),
    payout             Nullable(Float64),
    resolved_at        Nullable(UInt32),
    condition_key      UInt64,                 -- cityHash64(condition_id)
    bet_hash           UInt64                  -- cityHash64(bet_key)
) ENGINE = MergeTree
ORDER BY token_key;

CREATE TABLE IF NOT EXISTS trade_wallets (
    wallet_key UInt64,
    wallet     String
) ENGINE = MergeTree
ORDER BY wallet_key;

INSERT INTO trade_rows
SELECT wallet_key, token_key, ts, tx_key, order_key, is_buy, shares, usdc, received, cash,
       fee_usdc, fee_shares, version
FROM trades;

INSERT INTO trade_tokens
SELECT token_key, any(token_id), any(condition_id), any(outcome_index), any(market_id),
       any(event_id), any(neg_risk_market_id), any(bet_key), any(category), any(payout),
       any(resolved_at), cityHash64(toString(any(condition_id))),
       cityHash64(toString(any(bet_key)))
FROM trades GROUP BY token_key;

INSERT INTO trade_wallets
SELECT wallet_key, any(wallet) FROM trades GROUP BY wallet_key;

DROP TABLE trades;

CREATE VIEW trades AS
SELECT w.wallet AS wallet, r.wallet_key AS wallet_key, r.ts AS ts, r.tx_key AS tx_key,
       r.order_key AS order_key, t.token_id AS token_id, r.token_key AS token_key,
       r.is_buy AS is_buy, r.shares AS shares, r.usdc AS usdc, r.received AS received,
       r.cash AS cash, r.fee_usdc AS fee_usdc, r.fee_shares AS fee_shares, r.version AS version,
       t.condition_id AS condition_id, t.outcome_index AS outcome_index,
       t.market_id AS market_id, t.event_id AS event_id,
       t.neg_risk_market_id AS neg_risk_market_id, t.bet_key AS bet_key,
       t.category AS category, t.payout AS payout, t.resolved_at AS resolved_at
FROM trade_rows AS r
LEFT JOIN trade_wallets AS w ON w.wallet_key = r.wallet_key
LEFT JOIN trade_tokens AS t ON t.token_key = r.token_key;
