-- An incremental enrich that builds no wallet's activity rows whole (activity_wallets.sql)
-- keeps every row: the table being built, {target}, takes activity_rows' parts as they are
-- (hard links, no row copied; kept_activity_rows.sql copies the rows it keeps otherwise),
-- before the new rows of the wallets it appends to are added.
ALTER TABLE {target:Identifier} ATTACH PARTITION tuple() FROM activity_rows
