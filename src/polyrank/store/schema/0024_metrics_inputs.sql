-- What a metrics run read, per wallet and per token, as one hash each (metrics/sql/
-- wallet_inputs.sql, token_inputs.sql): the next run compares them with its own and
-- recomputes only the wallets whose figures can have changed, carrying the others' rows
-- over (metrics/incremental.py). Kept with the run's results, dropped with them.
CREATE TABLE IF NOT EXISTS wallet_inputs (
    run_id     String,
    wallet_key UInt64,
    digest     UInt64    -- the wallet's fills, activities, redemptions and truncation
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY wallet_key;

CREATE TABLE IF NOT EXISTS token_inputs (
    run_id    String,
    token_key UInt64,
    digest    UInt64     -- the token's catalogue row, resolution by the as-of and prices
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY token_key;

-- The wallets a run computes when it carries the others over from an earlier run: work,
-- dropped once the run is done.
CREATE TABLE IF NOT EXISTS run_wallets (
    run_id     String,
    wallet_key UInt64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY wallet_key;

-- Per run: the run whose rows it carried over ('' when computed whole), how many wallets it
-- computed itself, and its settings (a run carries over only from one with the same).
ALTER TABLE metrics_runs ADD COLUMN IF NOT EXISTS base_run String DEFAULT '';
ALTER TABLE metrics_runs ADD COLUMN IF NOT EXISTS computed_wallets UInt64 DEFAULT 0;
ALTER TABLE metrics_runs ADD COLUMN IF NOT EXISTS config String DEFAULT '';
