-- A run that carries over copies, for the wallets it computes only because of a change that
-- is not in their fills (a new price or resolution of a token they hold, a bet of theirs
-- closing out of a window), their fill figures from the base run instead of reading every
-- fill again (metrics/incremental.py, wallet_rows.sql).
--   token_inputs.catalogue:        one hash of the token's catalogue row alone (its market,
--                                  event, category: what the fill figures read of it)
--   run_changed_tokens.catalogue:  1 the token's catalogue row changed (or only one run has
--                                  the token): its holders' fill figures are computed again
--   run_wallets.fills:             1 the wallet's fill figures are computed, 0 copied
ALTER TABLE token_inputs ADD COLUMN IF NOT EXISTS catalogue UInt64 DEFAULT 0;
ALTER TABLE run_changed_tokens ADD COLUMN IF NOT EXISTS catalogue UInt8 DEFAULT 1;
ALTER TABLE run_wallets ADD COLUMN IF NOT EXISTS fills UInt8 DEFAULT 1;
