-- An incremental enrich keeps the activity rows of every wallet it does not build whole
-- (activity_wallets.sql): copied into the table being built, {target}, before the others'
-- rows are built again and the new rows of the wallets it appends to are added.
INSERT INTO {target:Identifier}
SELECT * FROM activity_rows
WHERE wallet_key NOT IN (SELECT wallet_key FROM enrich_wallets WHERE whole)
