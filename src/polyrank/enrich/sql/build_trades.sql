-- Every stored fill decoded from its maker's side (METRICS.md §1, ledger rules 1-3) and joined
-- to the catalogue: condition, outcome index, market, event, neg-risk bet key, category (first
-- canonical tag by priority, else 'other'), tags, payout of this token when resolved.
-- Fills whose token is not in the catalogue keep condition_id = '' (counted as unresolved).
-- Fill ids are `<txHash>_<orderHash>`: their 8-byte hash prefixes order ties like the ids.
INSERT INTO {target:Identifier}
SELECT
    f.maker                                               AS wallet,
    cityHash64(f.maker)                                   AS wallet_key,
    f.timestamp                                           AS ts,
    reinterpretAsUInt64(reverse(unhex(substring(f.id, 3, 16))))           AS tx_key,
    reinterpretAsUInt64(reverse(unhex(substring(
        splitByChar('_', f.id)[2], 3, 16))))                              AS order_key,
    f.token_id                                            AS token_id,
    cityHash64(f.token_id)                                AS token_key,
    f.side = 'BUY'                                        AS is_buy,
    toInt64(f.shares)                                     AS shares,
    toInt64(f.usdc)                                       AS usdc,
    if(is_buy, if(f.exchange_version = 2, shares, shares - toInt64(f.fee)), 0) AS received,
    if(is_buy, if(f.exchange_version = 2, usdc + toInt64(f.fee), usdc),
       usdc - toInt64(f.fee))                             AS cash,
    if(is_buy AND f.exchange_version != 2, 0, toInt64(f.fee))  AS fee_usdc,
    if(is_buy AND f.exchange_version != 2, toInt64(f.fee), 0)  AS fee_shares,
    f.exchange_version                                    AS version,
    if(m.condition_id != '', m.condition_id, t.condition_id)   AS condition_id,
    toUInt8(if(m.condition_id != '', indexOf(m.token_ids, f.token_id) - 1,
               t.outcome_index))                          AS outcome_index,
    if(m.id != '', m.id, t.market_id)                     AS market_id,
    m.event_id                                            AS event_id,
    if(m.neg_risk = 1, m.neg_risk_market_id, '')          AS neg_risk_market_id,
    multiIf(neg_risk_market_id != '', neg_risk_market_id, condition_id != '', condition_id,
            concat('token:', f.token_id))                 AS bet_key,
    multiIf(condition_id = '', 'unresolved',
            (arrayFirst(c -> has(e.tag_slugs, c), {priority:Array(String)}) AS first_tag) = '',
            'other', first_tag)                           AS category,
    if(c.payout_denominator > 0,
       c.payout_numerators[outcome_index + 1] / c.payout_denominator, NULL) AS payout,
    if(c.payout_denominator > 0, toUInt32(c.resolved_at), NULL)           AS resolved_at
FROM (
    SELECT id, timestamp, maker, side, token_id, shares, usdc, fee, exchange_version
    FROM fills FINAL
) AS f
LEFT JOIN (
    SELECT token_id, condition_id, outcome_index, market_id FROM tokens FINAL
) AS t ON t.token_id = f.token_id
LEFT JOIN (
    SELECT condition_id, id, event_id, neg_risk, neg_risk_market_id, token_ids FROM markets FINAL
) AS m ON m.condition_id = t.condition_id
LEFT JOIN (
    SELECT id, tag_slugs FROM events FINAL
) AS e ON e.id = m.event_id
LEFT JOIN (
    SELECT condition_id, payout_numerators, payout_denominator, resolved_at
    FROM conditions FINAL WHERE resolved = 1
) AS c ON c.condition_id = t.condition_id
