-- Of the wallets an incremental enrich builds again (enrich_wallets), which ones it builds
-- whole and which it only appends to (enrich/sql/activity_wallets.sql):
--   whole:           1 every activity row of the wallet is built again (an activity or fill
--                    it had not seen no later than one of the wallet's enriched conversions,
--                    or an activity on a market whose signature changed); 0 its rows are
--                    kept, and only its new splits, merges and conversions are added
--   last_conversion: the time of the wallet's latest enriched conversion (0: none); the
--                    conversions after it are the new ones
ALTER TABLE enrich_wallets ADD COLUMN IF NOT EXISTS whole UInt8 DEFAULT 1;
ALTER TABLE enrich_wallets ADD COLUMN IF NOT EXISTS last_conversion UInt32 DEFAULT 0;
