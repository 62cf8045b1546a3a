-- The table name of the loader polyrank replaced, kept as a view so its queries still work:
--   SELECT * FROM trades_raw WHERE wallet_address = '0x...'
-- One row per fill (deduplicated), decoded from the wallet's point of view, with the
-- condition and market from the catalogue ('' while the token is unresolved).
-- Amounts are exact: raw integers / 1e6 as Decimal(38, 6).
CREATE VIEW IF NOT EXISTS trades_raw AS
SELECT
    f.id                                        AS fill_id,
    f.maker                                     AS wallet_address,
    f.transaction_hash                          AS transaction_hash,
    toDateTime(f.timestamp, 'UTC')              AS timestamp,
    f.side                                      AS side,
    f.token_id                                  AS token_id,
    t.condition_id                              AS condition_id,
    t.outcome_index                             AS outcome_index,
    t.market_id                                 AS market_id,
    toDecimal128(f.shares, 6) / 1000000         AS shares,
    toDecimal128(f.usdc, 6) / 1000000           AS usdc_value,
    toDecimal128(f.fee, 6) / 1000000            AS fee,
    if(f.shares = 0, 0, f.usdc / f.shares)      AS price,
    f.exchange_version                          AS exchange_version,
    f.source                                    AS source
FROM (
    SELECT id, maker, transaction_hash, timestamp, side, token_id, shares, usdc, fee,
           exchange_version, source
    FROM fills FINAL
) AS f
LEFT JOIN (
    SELECT token_id, condition_id, outcome_index, market_id FROM tokens FINAL
) AS t ON t.token_id = f.token_id;
