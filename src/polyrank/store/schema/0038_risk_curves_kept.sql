-- A run keeps each wallet's daily equity curve (metrics/sql/risk_curves.sql), so that a later
-- run of the same day that carries over from it builds only the curve's last day for a wallet
-- whose history before that run did not change, instead of the whole curve again.
--   risk_curves:               per run, wallet and scope (the category's name, 'all' for
--                              every category), the days its equity E changes, in order,
--                              with E's change and the cash moved on each (micro-USDC);
--                              kept, like the wallet rows, for as long as a kept run reads
--                              the wallet from the run that wrote them (run_sources)
--   wallet_inputs.prefix:      the wallet's digest over what it read up to the base run's
--                              as-of time (the base run's digest if none of it changed)
--   run_changed_tokens.past:   1 the token's value curve before the as-of day (or its
--                              catalogue row) changed: its holders' curves are built whole
--   run_wallets.past:          1 the wallet's history up to the base run's as-of time is the
--                              base run's, and so is every token's curve before the as-of day
-- token_curves is no longer dropped with a run's work: it is kept with the run's results, so
-- that the next run can compare the tokens' curves before its day with it.
CREATE TABLE IF NOT EXISTS risk_curves (
    run_id     String,
    wallet_key UInt64,
    category   LowCardinality(String),
    days       Array(UInt32),
    changes    Array(Int64),
    cash       Array(Int64)
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (wallet_key, category);

ALTER TABLE wallet_inputs ADD COLUMN IF NOT EXISTS prefix UInt64 DEFAULT 0;
ALTER TABLE run_changed_tokens ADD COLUMN IF NOT EXISTS past UInt8 DEFAULT 1;
ALTER TABLE run_wallets ADD COLUMN IF NOT EXISTS past UInt8 DEFAULT 0;
