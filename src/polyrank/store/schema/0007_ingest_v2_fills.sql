-- The second fill source (the Data API, for fills at or after the 2026-04-28 V2 migration).
-- Per wallet: how many V2 fills were fetched, how many of them came without fee information
-- (the Data API carries no fee: those fills are stored with fee 0, so the wallet's P&L is
-- overstated by the fees it paid on them), and which source was read ('' = none: the V2
-- history was skipped, e.g. `polyrank ingest --no-data-api`).
ALTER TABLE ingest_wallets
    ADD COLUMN IF NOT EXISTS v2_fills UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS v2_fills_without_fee UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS v2_source LowCardinality(String) DEFAULT '';
