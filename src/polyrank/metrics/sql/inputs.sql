-- What a metrics run is computed from, as one value that changes whenever any of it does: the
-- latest write to each table the enrichment reads (every write stamps its rows with the time
-- of the write, and a merge keeps the latest stamp), and how many fills and activities there
-- are. A refresh that finds the same value as the readable run's has nothing to compute.
SELECT concat(
    toString((SELECT max(loaded_at) FROM fills)), '|',
    toString((SELECT uniqExact(id) FROM fills)), '|',
    toString((SELECT max(inserted_at) FROM activities)), '|',
    toString((SELECT uniqExact(id) FROM activities)), '|',
    toString((SELECT max(updated_at) FROM events)), '|',
    toString((SELECT max(updated_at) FROM markets)), '|',
    toString((SELECT max(updated_at) FROM tokens)), '|',
    toString((SELECT max(updated_at) FROM conditions)))
