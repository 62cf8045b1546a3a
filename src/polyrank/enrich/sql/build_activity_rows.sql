-- Splits and merges as position events on every outcome token of their condition
-- (docs/metrics.md §2): a split of n = BUY n at 0.50 of each outcome, a merge of n = SELL n at
-- 0.50 of each. The outcome tokens come from the catalogue's market (Gamma's clobTokenIds).
-- Redemptions change no P&L here (a resolved position is settled at its payout at the
-- resolution time, before any redemption); neg-risk conversions are added after these rows
-- (build_conversion_rows.sql). No fee: gross_cash = cash. Every wallet's, or in an incremental
-- enrich those of the wallets of enrich_wallets it builds whole, and the new ones (no row
-- stands for them yet) of the wallets it appends to (activity_wallets.sql; the others' rows
-- are kept).
INSERT INTO {target:Identifier}
    (wallet_key, token_key, ts, tx_key, order_key, is_buy, shares, received, cash, gross_cash,
     kind)
SELECT
    cityHash64(a.wallet)                                         AS wallet_key,
    cityHash64(token_id)                                         AS token_key,
    a.timestamp                                                  AS ts,
    reinterpretAsUInt64(reverse(unhex(substring(a.tx_hash, 3, 16)))) AS tx_key,
    cityHash64(a.id)                                             AS order_key,
    a.kind = 'split'                                             AS is_buy,
    toInt64(a.amount)                                            AS shares,
    if(is_buy, toInt64(a.amount), 0)                             AS received,
    toInt64(a.amount) / 2                                        AS cash,
    cash                                                         AS gross_cash,
    a.kind                                                       AS kind
FROM (
    SELECT id, wallet, kind, timestamp, condition_id, amount, tx_hash
    FROM activities FINAL
    -- (before FINAL merges: every copy of an activity has its kind, so this keeps the same
    -- rows, and FINAL merges only the splits and merges)
    PREWHERE kind IN ('split', 'merge')
    -- an incremental enrich: only the wallets it builds again (activity_wallets.sql), and of
    -- those it appends to, the activities no kept row stands for
    WHERE {every_wallet:UInt8} OR wallet IN (SELECT wallet FROM enrich_wallets)
          AND (cityHash64(wallet), cityHash64(id)) NOT IN (
              SELECT wallet_key, order_key FROM activity_rows
              WHERE wallet_key IN (SELECT wallet_key FROM enrich_wallets WHERE NOT whole))
) AS a
INNER JOIN (
    SELECT condition_id, token_ids FROM markets FINAL
) AS m ON m.condition_id = a.condition_id
ARRAY JOIN m.token_ids AS token_id
