-- Per token and UTC day up to the as-of time, its last trade price that day (the latest trade
-- by (ts, tx_key, order_key)), into token_prices: the mark of docs/metrics.md §2 is a token's
-- last one, and §4.7's curve values held shares at them. Over every wallet's trades in the
-- store (on a cluster: the whole tape, once; docs/scaling.md). A run that carries over reads
-- the trade rows from day `prices_from` on (metrics/incremental.py: prices_from) and copies
-- the base run's prices of the days before, when no trade row of those days changed since
-- (every enrich since only appended rows of that day or later: enrich_log); else
-- prices_from is 0 and the base run's prices are not read.
INSERT INTO token_prices
SELECT {run_id:String}, token_key, day, price
FROM token_prices
WHERE {prices_from:UInt32} > 0 AND run_id = {base_run:String} AND day < {prices_from:UInt32}
UNION ALL
SELECT {run_id:String}, token_key, intDiv(ts, 86400) AS day,
       -- (ts, tx_key, order_key) as one UInt256, which orders as the tuple does (argMax over
       -- the tuple itself was 3-4x slower)
       argMax(usdc / shares, bitShiftLeft(toUInt256(ts), 128)
                             + bitShiftLeft(toUInt256(tx_key), 64) + order_key) AS price
FROM trade_rows
WHERE ts <= {as_of:UInt32} AND ts >= {prices_from:UInt32} * 86400 AND shares > 0
GROUP BY token_key, day
