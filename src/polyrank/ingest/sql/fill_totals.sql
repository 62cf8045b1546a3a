-- rows vs distinct fill ids: equal when nothing was ever doubled
SELECT count() AS row_count, uniqExact(id) AS distinct_ids FROM fills
