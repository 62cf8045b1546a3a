-- The registry's wallets that pass the filters, the most active first. The filters judge what
-- the tape sources saw (fills, volume, last fill); a wallet that only the leaderboard or the
-- holders found has no such figures (fills 0) and is kept, after the others.
SELECT address, sources, first_seen, last_seen, fills, volume, label
FROM wallet_registry
WHERE fills = 0
      OR (fills >= {min_fills:UInt64} AND volume >= {min_volume:Float64}
          AND last_seen >= {active_since:UInt32})
ORDER BY fills DESC, address
LIMIT {limit:UInt64}
