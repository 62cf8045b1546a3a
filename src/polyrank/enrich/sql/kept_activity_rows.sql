-- An incremental enrich keeps the activity rows of every wallet not in enrich_wallets
-- (activity_wallets.sql): copied into the table being built, {target}, before the others'
-- rows are built again.
INSERT INTO {target:Identifier}
SELECT * FROM activity_rows
WHERE wallet_key NOT IN (SELECT wallet_key FROM enrich_wallets)
