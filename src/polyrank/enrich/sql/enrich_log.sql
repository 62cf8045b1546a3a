-- One enrich's line in enrich_log (store/schema/0043): the next serial, whether it rebuilt
-- every trade row, and the earliest time of the rows it may have appended.
INSERT INTO enrich_log (serial, whole, min_ts)
SELECT (SELECT max(serial) FROM enrich_log) + 1, {whole:UInt8}, {min_ts:UInt32}
