-- A token nobody has traded (held from a split or a conversion only) has no mark: NULL, not
-- a price of 0 (docs/metrics.md §2).
ALTER TABLE position_work MODIFY COLUMN mark Nullable(Float64);
