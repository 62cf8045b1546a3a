-- The default as-of of a run, the present of the data (docs/metrics.md §4.1): the later of the
-- latest enriched fill and the latest resolution the catalogue knows among the traded tokens,
-- that resolution never counted later than the catalogue's last sync (a resolution time is
-- only known once synced). Columns: latest fill, latest resolution, last sync, the as-of.
SELECT f.latest_fill, r.latest_resolution, s.synced_at,
       greatest(f.latest_fill, least(r.latest_resolution, s.synced_at)) AS as_of
FROM (SELECT toUInt32(max(ts)) AS latest_fill FROM trade_rows) AS f
CROSS JOIN (
    SELECT toUInt32(ifNull(max(resolved_at), 0)) AS latest_resolution
    FROM trade_tokens WHERE payout IS NOT NULL
) AS r
CROSS JOIN (
    SELECT toUInt32(greatest(
        (SELECT ifNull(toUnixTimestamp(max(updated_at)), 0) FROM conditions),
        (SELECT ifNull(toUnixTimestamp(max(updated_at)), 0) FROM markets))) AS synced_at
) AS s
