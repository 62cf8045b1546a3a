-- Two work tables of a metrics run, each built once per run where every slice of the wallet
-- steps (metrics/run.py: wallet_slices) had built it again: a store with ten slices read the
-- whole of token_prices and of the activities ten times.
--   token_curves: per token, its mark and its value curve (metrics/sql/token_curves.sql),
--                 from token_prices and the catalogue: like token_prices, once per run over
--                 the whole tape (replicated on a cluster);
--   run_redeemed: the (wallet, condition) pairs redeemed by the run's as-of time
--                 (metrics/sql/redeemed.sql), local to each wallet's shard.
CREATE TABLE IF NOT EXISTS token_curves (
    run_id    String,
    token_key UInt64,
    mark      Nullable(Float64),  -- the last trade price (NULL: never traded)
    days      Array(UInt32),      -- the days its value changes, in order
    vals      Array(Float64),     -- its value from each of those days on
    prevs     Array(Float64)      -- its value before each (0 before its first trade)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY token_key;

CREATE TABLE IF NOT EXISTS run_redeemed (
    run_id        String,
    wallet_key    UInt64,
    condition_key UInt64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, condition_key);
