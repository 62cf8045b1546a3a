-- wallet_key -> address, for every wallet with a stored fill or activity
INSERT INTO {target:Identifier}
SELECT cityHash64(wallet) AS wallet_key, wallet
FROM (SELECT DISTINCT maker AS wallet FROM fills
      UNION DISTINCT SELECT DISTINCT wallet FROM activities)
