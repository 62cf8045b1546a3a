-- Each wallet's cursor for incremental loading (docs/architecture.md, "Refresh"): the upstream's
-- time (the orderbook subgraph's indexed head, read when the load began) up to which the
-- wallet's fills and activities are all stored. `polyrank refresh` reads a wallet again only
-- from there (less a small overlap; re-read rows are recognised by id). 0 = never loaded
-- completely.
ALTER TABLE ingest_wallets ADD COLUMN IF NOT EXISTS loaded_to UInt32 DEFAULT 0;
