-- Ingest state, stored next to the data it describes.
CREATE TABLE IF NOT EXISTS ingest_wallets (
    wallet          String,
    status          LowCardinality(String),   -- pending | done | failed
    fills_fetched   UInt64,
    fills_new       UInt64,
    fills_duplicate UInt64,
    truncated       UInt8,                    -- history capped by --max-trades
    cursor          String,                   -- last fill id committed
    error           String,
    attempts        UInt32,
    run_id          String,
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY wallet;

CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id      String,
    command     String,
    workers     UInt16,
    wallets     UInt32,
    status      LowCardinality(String),       -- running | finished | interrupted
    started_at  DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY run_id;

-- tokens seen in fills that no catalogue source could resolve yet (their fills are kept)
CREATE TABLE IF NOT EXISTS unresolved_tokens (
    token_id    String,
    wallet      String,                       -- first wallet seen with it
    attempts    UInt32,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY token_id;

-- where the pipeline stands: key -> value (stage, last run ids, ...)
CREATE TABLE IF NOT EXISTS pipeline_state (
    key        String,
    value      String,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key;
