-- The activities that change a wallet's positions besides its fills (docs/metrics.md §2):
-- splits (USDC into one of each outcome), merges (one of each outcome back into USDC),
-- redemptions (a resolved position into its payout) and neg-risk conversions. Raw, as a
-- source reports them, keyed by a stable id so that a re-loaded activity replaces itself.
CREATE TABLE IF NOT EXISTS activities (
    id               String,                  -- stable: <txHash>_<logIndex>, or derived
    wallet           String,                  -- the stakeholder, lower-case
    kind             LowCardinality(String),  -- split | merge | redeem | conversion
    timestamp        UInt32,
    condition_id     String,                  -- conversion: the neg-risk market id
    amount           UInt64,                  -- micro units: shares split / merged / converted / redeemed
    usdc             UInt64 DEFAULT 0,        -- redeem: the payout received (micro USDC)
    index_set        UInt256 DEFAULT 0,       -- conversion: bit i set = question i converted
    tx_hash          String DEFAULT '',
    exchange_version UInt8 DEFAULT 1,
    source           LowCardinality(String) DEFAULT '',
    inserted_at      DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (wallet, id);

-- Activities as position events, numbers only like trade_rows (polyrank enrich rebuilds it):
-- a split of n is a BUY of n of each outcome at 0.50, a merge a SELL of n of each at 0.50.
CREATE TABLE IF NOT EXISTS activity_rows (
    wallet_key  UInt64,
    token_key   UInt64,
    ts          UInt32,
    tx_key      UInt64,
    order_key   UInt64,
    is_buy      UInt8,
    shares      Int64,
    received    Int64,
    cash        Float64,                 -- n x 0.50 may be half a micro unit
    kind        LowCardinality(String)
) ENGINE = MergeTree
ORDER BY (wallet_key, token_key, ts, tx_key, order_key);
