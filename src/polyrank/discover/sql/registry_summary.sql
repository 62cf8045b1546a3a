-- The wallet registry by source: wallets each source found (a wallet may have several).
SELECT source, uniqExact(address) AS wallets, min(first_seen) AS first_seen,
       max(last_seen) AS last_seen
FROM discovered FINAL
WHERE address != ''
GROUP BY source
ORDER BY source
