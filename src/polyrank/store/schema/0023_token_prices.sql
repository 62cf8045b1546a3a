-- A metrics run's token prices: per token, its last trade price of each day it traded
-- (docs/metrics.md §2's mark is the last of them; §4.7 values held shares at them). They come
-- from the whole tape, every wallet's trades: on a cluster sharded by wallet this is the one
-- input a shard cannot compute alone, so metrics/sql/token_prices.sql runs once over all
-- shards and the table is replicated to each (docs/scaling.md). Kept with the run's results:
-- the wallet page's P&L chart reads them too.
CREATE TABLE IF NOT EXISTS token_prices (
    run_id    String,
    token_key UInt64,
    day       UInt32,
    price     Float64   -- the day's last trade price (USDC per share)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (token_key, day);
