-- The days of a source already swept (their rows are written in one insert per day).
SELECT DISTINCT day FROM discovered
WHERE source = {source:String} AND day >= {start:UInt32} AND day < {end:UInt32}
