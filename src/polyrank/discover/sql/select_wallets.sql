-- The registry's wallets that pass the filters, the most active first.
SELECT address, sources, first_seen, last_seen, fills, volume
FROM wallet_registry
WHERE fills >= {min_fills:UInt64} AND volume >= {min_volume:Float64}
      AND last_seen >= {active_since:UInt32}
ORDER BY fills DESC, address
LIMIT {limit:UInt64}
