-- One enrich's line in enrich_log (store/schema/0043): the next serial, whether it rebuilt
-- every trade row, and the earliest time of the fills it read, those loaded after
-- `loaded_after` (a lower bound of the rows it appended: some of them already had a row).
INSERT INTO enrich_log (serial, whole, min_ts)
SELECT (SELECT max(serial) FROM enrich_log) + 1, {whole:UInt8},
       (SELECT if(count() = 0, 4294967295, min(timestamp)) FROM fills
        WHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')})
