-- What each enrich changed of the trade rows, so that a metrics run that carries over reads
-- again only the tape's days that can have changed (metrics/sql/token_prices.sql): an
-- incremental enrich only appends rows (enrich/trades.py), the earliest of them no earlier
-- than the earliest fill it read; a rebuild replaces every row.
--   enrich_log.serial:        1, 2, ... in the order the enriches finished
--   enrich_log.whole:         1 the enrich rebuilt every trade row
--   enrich_log.min_ts:        the earliest time of the fills an incremental enrich read
--                             (4294967295: none)
--   metrics_runs.enrich_serial: the last enrich the run read (0: none was logged)
CREATE TABLE IF NOT EXISTS enrich_log (
    serial      UInt64,
    finished_at DateTime64(3, 'UTC') DEFAULT now64(3),
    whole       UInt8,
    min_ts      UInt32
) ENGINE = MergeTree
ORDER BY serial;

ALTER TABLE metrics_runs ADD COLUMN IF NOT EXISTS enrich_serial UInt64 DEFAULT 0;
