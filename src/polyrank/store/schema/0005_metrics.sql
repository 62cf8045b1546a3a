-- Enriched trades and metric results. Every metrics table holds the rows of several runs
-- side by side (partitioned by run_id); readers use the run named by pipeline_state
-- 'metrics_run', which changes only once a run is complete: a run is atomic for readers.

-- one row per fill, decoded from its maker's side and joined to the catalogue (polyrank enrich)
-- Kept slim: this is the hot table of every metrics run. Repeated strings are LowCardinality;
-- the fill id is reduced to two order-preserving integer prefixes (its transaction and order
-- hashes) that break timestamp ties exactly as the ids would; tags, question and outcome are
-- joined in by the trades_enriched view.
CREATE TABLE IF NOT EXISTS trades (
    wallet             LowCardinality(String),
    wallet_key         UInt64,                -- cityHash64(wallet): the compact hot-path key
    ts                 UInt32,
    tx_key             UInt64,                -- first 8 bytes of the transaction hash
    order_key          UInt64,                -- first 8 bytes of the order hash
    token_id           LowCardinality(String),
    token_key          UInt64,                -- cityHash64(token_id)
    is_buy             UInt8,
    shares             Int64,                 -- micro-shares traded (gross)
    usdc               Int64,                 -- micro-USDC traded (gross, before fees)
    received           Int64,                 -- BUY: micro-shares received (net of share fees)
    cash               Int64,                 -- BUY: micro-USDC paid; SELL: received (net)
    fee_usdc           Int64,
    fee_shares         Int64,
    version            UInt8,
    condition_id       LowCardinality(String), -- '' while the token is unresolved
    outcome_index      UInt8,
    market_id          LowCardinality(String),
    event_id           LowCardinality(String),
    neg_risk_market_id LowCardinality(String),
    bet_key            LowCardinality(String), -- neg-risk market id, else condition id
    category           LowCardinality(String),
    payout             Nullable(Float64),     -- this token's payout when resolved
    resolved_at        Nullable(UInt32)
) ENGINE = MergeTree
ORDER BY (wallet_key, token_key, ts, tx_key, order_key);

CREATE TABLE IF NOT EXISTS positions (
    run_id         String,
    wallet         LowCardinality(String),
    token_id       LowCardinality(String),
    condition_id   LowCardinality(String),
    bet_key        LowCardinality(String),
    category       LowCardinality(String),
    amount         Float64,                   -- shares held (0 once resolved)
    avg_price      Float64,
    realized       Float64,                   -- USDC, net of fees
    cost           Float64,
    bought         Float64,
    unmatched_sell Float64,
    fills          UInt32,
    is_open        UInt8,
    closed_ts      Nullable(UInt32),
    mark           Nullable(Float64),
    unrealized     Float64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (run_id, wallet, token_id);

CREATE TABLE IF NOT EXISTS bets (
    run_id     String,
    wallet     LowCardinality(String),
    bet_key    LowCardinality(String),
    category   LowCardinality(String),
    pnl        Float64,
    cost       Float64,
    closed     UInt8,
    closed_ts  Nullable(UInt32),
    positions  UInt32
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (run_id, wallet, bet_key);

CREATE TABLE IF NOT EXISTS wallet_metrics (
    run_id               String,
    wallet               String,
    window               LowCardinality(String),   -- 30d | 90d | 180d | lifetime
    category             LowCardinality(String),   -- all | a canonical category
    trades               UInt64,
    volume_usdc          Float64,
    markets_traded       UInt64,
    active_days          UInt64,
    first_trade_at       Nullable(UInt32),
    last_trade_at        Nullable(UInt32),
    bets_closed          UInt64,
    bets_open            UInt64,
    bets_won             UInt64,
    bets_lost            UInt64,
    cost                 Float64,
    realized_pnl         Float64,
    realized_pnl_all     Nullable(Float64),
    unrealized_pnl       Nullable(Float64),
    total_pnl            Nullable(Float64),
    gains                Float64,
    losses               Float64,
    omega                Nullable(Float64),
    omega_unbounded      UInt8,
    omega_score          Nullable(Float64),
    win_rate             Nullable(Float64),
    win_rate_lb          Nullable(Float64),
    roi                  Nullable(Float64),
    roi_se               Nullable(Float64),
    avg_win              Nullable(Float64),
    avg_loss             Nullable(Float64),
    max_win              Nullable(Float64),
    max_loss             Nullable(Float64),
    incomplete_positions UInt64,
    truncated            UInt8,
    eligibility          LowCardinality(String)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (run_id, window, category, wallet);

CREATE TABLE IF NOT EXISTS specialists (
    run_id            String,
    wallet            String,
    category          LowCardinality(String),
    focus_share       Float64,
    bets_closed       UInt64,
    cost              Float64,
    roi               Nullable(Float64),
    roi_se            Nullable(Float64),
    roi_lb            Nullable(Float64),
    omega_score       Nullable(Float64),
    category_eligible UInt8,
    omega_top         UInt8,
    focused           UInt8,
    edge              UInt8,
    is_specialist     UInt8,
    focus_only        UInt8
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (run_id, category, wallet);

CREATE TABLE IF NOT EXISTS metrics_runs (
    run_id      String,
    as_of       UInt32,
    started_at  DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    seconds     Float64,
    trades      UInt64,
    positions   UInt64,
    bets        UInt64,
    wallets     UInt64,
    status      LowCardinality(String)
) ENGINE = ReplacingMergeTree(finished_at)
ORDER BY run_id;

-- a trade with everything the catalogue says about it
CREATE VIEW IF NOT EXISTS trades_enriched AS
SELECT t.wallet AS wallet, t.ts AS ts, t.token_id AS token_id, t.is_buy AS is_buy,
       t.shares AS shares, t.usdc AS usdc, t.received AS received, t.cash AS cash,
       t.fee_usdc AS fee_usdc, t.fee_shares AS fee_shares, t.version AS version,
       t.condition_id AS condition_id, t.outcome_index AS outcome_index,
       t.market_id AS market_id, t.event_id AS event_id,
       t.neg_risk_market_id AS neg_risk_market_id, t.bet_key AS bet_key,
       t.category AS category, t.payout AS payout, t.resolved_at AS resolved_at,
       m.question AS question, m.outcomes[t.outcome_index + 1] AS outcome,
       e.title AS event_title, e.tag_slugs AS tag_slugs
FROM trades AS t
LEFT JOIN (SELECT condition_id, question, outcomes FROM markets FINAL) AS m
    ON m.condition_id = t.condition_id
LEFT JOIN (SELECT id, title, tag_slugs FROM events FINAL) AS e ON e.id = t.event_id;

-- the names of the loader polyrank replaced, over the current complete run
CREATE VIEW IF NOT EXISTS wallet_metrics_complete AS
SELECT * FROM wallet_metrics
WHERE category = 'all' AND run_id = (
    SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = 'metrics_run');

CREATE VIEW IF NOT EXISTS wallet_metrics_by_category AS
SELECT * FROM wallet_metrics
WHERE category != 'all' AND run_id = (
    SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = 'metrics_run');
