-- Positions (wallet x token) by average cost (METRICS.md §2, ledger rules 4-9), folded in
-- time order (ties by fill id, via its hash prefixes) over each position's trades up to the
-- as-of time.
-- Fold state: (amount, avg_price, realized, cost, bought, unmatched_sell); amounts in micro
-- units as integers, avg_price and realized as Float64 in the same operation order as the
-- ledger, so results agree to the last bits.
INSERT INTO positions
WITH
    {dust:Float64} * 1000000 AS dust_micro,
    marks AS (
        SELECT token_key, argMax(usdc / shares, (ts, tx_key, order_key)) AS mark
        FROM trades WHERE ts <= {as_of:UInt32} AND shares > 0
        GROUP BY token_key
    ),
    folded AS (
        SELECT
            wallet_key, token_key,
            any(wallet) AS wallet, any(token_id) AS token_id, any(condition_id) AS condition_id,
            any(bet_key) AS bet_key, any(category) AS category,
            any(payout) AS payout_any, any(resolved_at) AS resolved_any,
            count() AS n_fills, max(ts) AS last_ts,
            arrayFold(
                (acc, x) -> if(x.3 = 1,
                    -- BUY: x.4 received, x.5 paid
                    (acc.1 + x.4,
                     if(acc.1 + x.4 > 0, (acc.2 * acc.1 + x.5) / (acc.1 + x.4), acc.2),
                     acc.3, acc.4 + x.5, acc.5 + x.4, acc.6),
                    -- SELL: x.6 shares, x.5 proceeds; only what is held can be sold
                    (acc.1 - least(x.6, acc.1),
                     acc.2,
                     acc.3 + if(x.6 > 0, least(x.6, acc.1) * (x.5 / x.6 - acc.2) / 1000000, 0),
                     acc.4, acc.5, acc.6 + x.6 - least(x.6, acc.1))),
                arraySort(x -> (x.1, x.2, x.7),
                          groupArray((ts, tx_key, is_buy, received, cash, shares, order_key))),
                (toInt64(0), toFloat64(0), toFloat64(0), toInt64(0), toInt64(0), toInt64(0))
            ) AS st
        FROM trades
        WHERE ts <= {as_of:UInt32}
        GROUP BY wallet_key, token_key
    )
SELECT
    {run_id:String}                                          AS this_run,
    wallet, token_id, condition_id, bet_key, category,
    if(resolved, 0, st.1 / 1000000)                          AS amount,
    st.2                                                     AS avg_price,
    st.3 + if(resolved, st.1 * (payout_any - st.2) / 1000000, 0)  AS realized,
    st.4 / 1000000                                           AS cost,
    st.5 / 1000000                                           AS bought,
    st.6 / 1000000                                           AS unmatched_sell,
    n_fills                                                  AS fills,
    NOT resolved AND st.1 > dust_micro                       AS is_open,
    multiIf(st.1 <= dust_micro, last_ts, resolved, resolved_any, NULL) AS closed_ts,
    mk.mark                                                  AS mark,
    if(is_open, st.1 * (mk.mark - st.2) / 1000000, 0)        AS unrealized
FROM (
    SELECT *, payout_any IS NOT NULL AND resolved_any <= {as_of:UInt32} AS resolved
    FROM folded
) AS p
LEFT JOIN marks AS mk ON mk.token_key = p.token_key
-- trades are stored in (wallet_key, token_key, ts) order: aggregate while streaming
SETTINGS optimize_aggregation_in_order = 1
