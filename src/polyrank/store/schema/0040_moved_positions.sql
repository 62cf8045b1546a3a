-- A carrying run folds again only the positions of a wallet that can have changed, also when
-- the wallet's own inputs changed: when its history up to the base run's as-of time is the
-- base run's (wallet_inputs.prefix), only its positions with an event since (a fill, split,
-- merge or conversion leg after that time, or a redemption of their condition) are folded
-- again, the others copied (metrics/sql/moved_positions.sql).
--   run_wallets.whole:    1 the wallet is new or its history up to the base run's as-of
--                         changed: every position folded again
--   run_moved_positions:  per run, the (wallet, token) positions of the wallets it computes
--                         not whole that moved since the base run's as-of time; work of the
--                         run like run_wallets
CREATE TABLE IF NOT EXISTS run_moved_positions (
    run_id     String,
    wallet_key UInt64,
    token_key  UInt64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, token_key);
