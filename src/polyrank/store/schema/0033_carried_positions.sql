-- A run that carries over folds again only the positions that can have changed
-- (metrics/incremental.py): every position of a wallet whose own inputs changed, and of the
-- other wallets it computes (holders of a changed token, or with a fill or a bet closing
-- that left a window) only those on a token whose inputs changed; their other positions are
-- copied from the base run.
--   run_wallets.whole:  1 the wallet's own inputs changed (or it is new): every position
--                       folded again; 0 only its positions on changed tokens
--   run_changed_tokens: the tokens whose inputs (token_inputs) differ from the base run's,
--                       work of the run like run_wallets
ALTER TABLE run_wallets ADD COLUMN IF NOT EXISTS whole UInt8 DEFAULT 1;

CREATE TABLE IF NOT EXISTS run_changed_tokens (
    run_id    String,
    token_key UInt64
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY token_key;
