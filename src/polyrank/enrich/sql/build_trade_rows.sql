-- Stored fills decoded from their maker's side (docs/metrics.md §1, ledger rules 1-3), numbers
-- only: the wallet and token by their cityHash64 keys (their strings and the catalogue's
-- columns are in trade_wallets / trade_tokens, joined back by the `trades` view).
-- Fill ids are `<txHash>_<orderHash>`: their 8-byte hash prefixes order ties like the ids.
INSERT INTO {target:Identifier}
SELECT
    cityHash64(maker)                                     AS wallet_key,
    cityHash64(token_id)                                  AS token_key,
    timestamp                                             AS ts,
    reinterpretAsUInt64(reverse(unhex(substring(id, 3, 16))))           AS tx_key,
    reinterpretAsUInt64(reverse(unhex(substring(
        splitByChar('_', id)[2], 3, 16))))                              AS order_key,
    side = 'BUY'                                          AS is_buy,
    toInt64(shares)                                       AS shares_,
    toInt64(usdc)                                         AS usdc_,
    if(is_buy, if(exchange_version = 2, shares_, shares_ - toInt64(fee)), 0) AS received,
    if(is_buy, if(exchange_version = 2, usdc_ + toInt64(fee), usdc_),
       usdc_ - toInt64(fee))                              AS cash,
    if(is_buy AND exchange_version != 2, 0, toInt64(fee)) AS fee_usdc,
    if(is_buy AND exchange_version != 2, toInt64(fee), 0) AS fee_shares,
    exchange_version                                      AS version,
    -- the wallet's side of the match (docs/metrics.md §4.8): 0 its order took liquidity (its
    -- own row names the exchange), 1 it rested and was matched, 2 unknown (Data API rows)
    multiIf(taker = '', 2, taker IN {exchanges:Array(String)}, 0, 1) AS role
FROM fills FINAL
-- only fills loaded after a time (a refresh appends its new fills; a rebuild takes all), and
-- none already in the target: a re-run after a crash adds what is missing, doubles nothing.
-- A rebuild (every_wallet) writes into an empty table: its filters are constant true, so no
-- set of every maker and every written key is built (10M fills: 4.5 -> 3.4 s).
-- FINAL merges every part it reads: the makers with such fills (the key's prefix) keep it to
-- their granules, and PREWHERE, which runs before the merge, to the rows loaded since (a
-- market maker's granules hold ~100k fills: merged whole, a refresh's 5 new fills took
-- 0.21-0.26 s, 0.045 s so; a rebuild's PREWHERE keeps every row). The same rows as a filter
-- after the merge: of a fill loaded more than once, FINAL keeps the last copy written, whose
-- load time is the latest, so it is loaded after the time whenever any copy is.
PREWHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')}
WHERE {every_wallet:UInt8} OR (
    maker IN (SELECT maker FROM fills WHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')})
  AND (wallet_key, tx_key, order_key) NOT IN (
      SELECT wallet_key, tx_key, order_key FROM {target:Identifier}
      -- (the wallets' rows on those tokens: the key's prefix; a market maker's rows are ~100k)
      WHERE wallet_key IN (SELECT cityHash64(maker) FROM fills
                           WHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')})
        AND token_key IN (SELECT cityHash64(token_id) FROM fills
                          WHERE loaded_at > {loaded_after:DateTime64(3, 'UTC')})))
