-- The wallet registry by source: wallets each source found (a wallet may have several);
-- first_seen / last_seen 0 for the sources that see no fills (leaderboard, holders).
SELECT source, uniqExact(address) AS wallets, minIf(first_seen, first_seen > 0) AS first_seen,
       max(last_seen) AS last_seen
FROM discovered FINAL
WHERE address != ''
GROUP BY source
ORDER BY source
