-- the store's tables with their engine and row count
SELECT name, engine, total_rows AS rows
FROM system.tables
WHERE database = currentDatabase()
ORDER BY name
