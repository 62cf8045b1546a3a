-- Every OrderFilled row loaded for a wallet (docs/protocols.md §1: only rows with maker == wallet),
-- raw values exactly as received. The fill id is the key: ORDER BY (maker, id) makes a
-- re-loaded fill replace itself (id determines maker), and keeps a wallet's rows together.
CREATE TABLE IF NOT EXISTS fills (
    id                  String,               -- <txHash>_<orderHash>, unique
    transaction_hash    String,
    timestamp           UInt32,               -- unix seconds
    order_hash          String,
    maker               String,               -- the wallet this row belongs to
    taker               String,               -- counterparty, or the exchange on a taker's own row
    maker_asset_id      String,               -- "0" = USDC, else a uint256 token id in decimal
    taker_asset_id      String,
    maker_amount_filled UInt64,               -- raw integers, 6 decimals
    taker_amount_filled UInt64,
    fee                 UInt64,
    exchange_version    UInt8 DEFAULT 1,      -- 1: V1 exchanges (Goldsky), 2: after 2026-04-28
    source              LowCardinality(String) DEFAULT '',
    loaded_at           DateTime64(3, 'UTC') DEFAULT now64(3),
    -- decoded from the maker's point of view, computed once at insert
    side     Enum8('BUY' = 0, 'SELL' = 1) MATERIALIZED if(maker_asset_id = '0', 'BUY', 'SELL'),
    token_id String MATERIALIZED if(maker_asset_id = '0', taker_asset_id, maker_asset_id),
    shares   UInt64 MATERIALIZED if(maker_asset_id = '0', taker_amount_filled, maker_amount_filled),
    usdc     UInt64 MATERIALIZED if(maker_asset_id = '0', maker_amount_filled, taker_amount_filled)
) ENGINE = ReplacingMergeTree
ORDER BY (maker, id);
