-- The market catalogue: Gamma events, markets, tags; token -> condition; resolution payouts.
-- Rows are re-synced over time: ReplacingMergeTree(updated_at) keeps the latest version.
CREATE TABLE IF NOT EXISTS events (
    id                 String,
    slug               String,
    title              String,
    neg_risk           UInt8,
    neg_risk_market_id String,
    tag_ids            Array(String),
    tag_slugs          Array(String),      -- every tag slug, in Gamma's order
    tag_labels         Array(String),
    start_date         Nullable(DateTime('UTC')),
    end_date           Nullable(DateTime('UTC')),
    closed             UInt8,
    source             LowCardinality(String) DEFAULT 'gamma',
    updated_at         DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS markets (
    condition_id          String,
    id                    String,          -- Gamma market id (a numeric string)
    question_id           String,
    event_id              String,
    question              String,
    slug                  String,
    outcomes              Array(String),   -- index-aligned with token_ids and outcome_prices
    token_ids             Array(String),
    outcome_prices        Array(String),
    neg_risk              UInt8,
    neg_risk_market_id    String,
    end_date              Nullable(DateTime('UTC')),
    closed                UInt8,
    closed_time           Nullable(DateTime('UTC')),
    uma_resolution_status LowCardinality(String),
    volume                String,
    source                LowCardinality(String) DEFAULT 'gamma',
    updated_at            DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY condition_id;

CREATE TABLE IF NOT EXISTS tags (
    id         String,
    label      String,
    slug       String,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- token id -> condition and outcome index (from Gamma clobTokenIds or subgraph marketDatas)
CREATE TABLE IF NOT EXISTS tokens (
    token_id      String,
    condition_id  String,
    outcome_index UInt8,
    market_id     String,
    source        LowCardinality(String) DEFAULT '',
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY token_id;

-- resolution payouts per condition: payout[i] = payout_numerators[i] / payout_denominator
CREATE TABLE IF NOT EXISTS conditions (
    condition_id       String,
    payout_numerators  Array(UInt64),
    payout_denominator UInt64,
    position_ids       Array(String),
    resolved           UInt8,
    resolved_at        Nullable(DateTime('UTC')),
    source             LowCardinality(String) DEFAULT '',
    updated_at         DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY condition_id;
