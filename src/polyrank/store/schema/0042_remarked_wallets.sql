-- A wallet a carrying run computes again only because a price of a token it holds or the
-- day changed (no fill, bet, resolution or catalogue row of its changed, no fill and no bet
-- closing left a window) has its base run's wallet rows copied, with only the figures its
-- positions' marks and its equity curve give computed again (metrics/sql/wallet_rows.sql).
--   token_inputs.settled:     per token, one hash of what its digest reads but its prices
--                             (its catalogue row and its resolution): what its holders'
--                             bets read of it
--   run_changed_tokens.bets:  the token's settled hash changed (or only one run has it):
--                             its holders' bet figures are computed again
--   run_wallets.bets:         the run computes the wallet's bet figures again (0: its fill
--                             figures copied too, its rows are the base run's but for the
--                             marks and the risk figures)
-- (A run never carries over from one an older polyrank computed: metrics/incremental.py,
-- config_key. So no run compares these columns with rows written before them.)
ALTER TABLE token_inputs ADD COLUMN IF NOT EXISTS settled UInt64 DEFAULT 0;
ALTER TABLE run_changed_tokens ADD COLUMN IF NOT EXISTS bets UInt8 DEFAULT 1;
ALTER TABLE run_wallets ADD COLUMN IF NOT EXISTS bets UInt8 DEFAULT 1;
