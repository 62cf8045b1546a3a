-- Discovery sources besides the trade tape (docs/architecture.md, "Discovery"): the official
-- leaderboard and the holders of chosen markets name a wallet (`label`: the board's userName,
-- a holder's name or pseudonym) but count none of its fills. Their rows carry fills 0,
-- volume 0 and first_seen / last_seen 0; the registry's figures stay what the tape sources
-- (tape, trades) saw, so first_seen is the least non-zero one.
ALTER TABLE discovered ADD COLUMN IF NOT EXISTS label String DEFAULT '';

-- label: the latest non-empty one any source gave (tape rows have none).
CREATE OR REPLACE VIEW wallet_registry AS
SELECT address, groupUniqArray(source) AS sources, minIf(first_seen, first_seen > 0) AS first_seen,
       max(last_seen) AS last_seen, sum(fills) AS fills, sum(volume) AS volume,
       argMaxIf(label, updated_at, label != '') AS label
FROM discovered FINAL
WHERE address != ''
GROUP BY address;
