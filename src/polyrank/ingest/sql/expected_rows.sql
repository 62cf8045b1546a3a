-- What the store knows of each wallet's rows on the orderbook subgraph from its start time
-- on, to size the load's batches (docs/architecture.md, "Loading"). `kind` 0: a wallet loaded
-- completely before, its V1 fills stored from its start time on (a loaded wallet absent
-- here has none); `kind` 1: a wallet never loaded, the fills the discovery tapes saw it make
-- on V1-era days from the run's start time on (per day the larger of the orderbook tape's
-- and the chain's count). Wallets the store knows nothing of are absent.
SELECT maker AS wallet, toFloat64(count()) AS expected, 0 AS kind
FROM fills FINAL
WHERE maker IN (SELECT arrayJoin({loaded:Array(String)})) AND exchange_version = 1
  AND timestamp >= transform(maker, {loaded:Array(String)}, {loaded_since:Array(UInt32)},
                             toUInt32(0))
GROUP BY maker
UNION ALL
SELECT address AS wallet, toFloat64(sum(fills)) AS expected, 1 AS kind
FROM (SELECT address, day, max(fills) AS fills
      FROM discovered FINAL
      WHERE address IN (SELECT arrayJoin({fresh:Array(String)})) AND source IN ('tape', 'chain')
        AND day < {migration:UInt32} AND day + 86400 > {since:UInt32}
      GROUP BY address, day)
GROUP BY address
