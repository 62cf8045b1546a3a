-- The days of a source already swept: those with a marker row (address ''), written in the
-- day's one insert once the day was over. A day swept while still running has rows but no
-- marker, and is swept again.
SELECT DISTINCT day FROM discovered
WHERE source = {source:String} AND address = '' AND day >= {start:UInt32} AND day < {end:UInt32}
