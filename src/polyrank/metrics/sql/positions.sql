-- Positions (wallet x token) by average cost (docs/metrics.md §2, ledger rules 4-9), folded in
-- time order (ties by fill id, via its hash prefixes) over each position's trades, splits,
-- merges and neg-risk conversion legs up to the as-of time, into position_rows (numbers only:
-- the `positions` view joins the strings, run_tokens.sql keeps the tokens'). Event kinds (is_buy): 1 BUY (a fill, a split, a
-- conversion's YES leg), 0 SELL (a fill, a merge), 2 a conversion's NO leg: a sell at the
-- position's own average price, realized unchanged.
-- Fold state: (amount, avg_price, realized, cost, bought, unmatched_sell); amounts in micro
-- units as integers, avg_price and realized as Float64 in the same operation order as the
-- ledger, so results agree to the last bits.
INSERT INTO position_rows
WITH
    {dust:Float64} * 1000000 AS dust_micro,
    {as_of:UInt32} AS as_of,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices), and of those, when it
    -- carries the others over (metrics/incremental.py), the positions it folds again: every
    -- one of a wallet computed whole, and of the other wallets it computes those on a token
    -- whose inputs changed and those that moved since the base run (moved_positions.sql;
    -- their other positions are copied: carried_positions.sql)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    {every_wallet:UInt8} AS every_wallet,
    whole AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String} AND whole),
    computed AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String}),
    changed AS (SELECT token_key FROM run_changed_tokens WHERE run_id = {run_id:String}),
    moved AS (SELECT wallet_key, token_key FROM run_moved_positions
              WHERE run_id = {run_id:String}),
    tokens AS (
        SELECT t.token_key AS token_key,
               -- no trade of the token: no mark (a LEFT JOIN would give 0)
               if(mk.token_key = t.token_key, toNullable(mk.mark), NULL) AS mark,
               t.condition_key AS condition_key,
               t.payout IS NOT NULL AND t.resolved_at <= as_of AS resolved,
               t.payout AS payout, t.resolved_at AS resolved_at
        FROM trade_tokens AS t
        LEFT JOIN (
            -- a token's mark: its latest trade price (token_curves.sql)
            SELECT token_key, mark FROM token_curves
            WHERE run_id = {run_id:String} AND mark IS NOT NULL
        ) AS mk ON mk.token_key = t.token_key
    ),
    redeemed AS (
        -- (wallet, condition) pairs redeemed by the as-of time (redeemed.sql): Polymarket
        -- books a resolved position only then
        SELECT wallet_key, condition_key, 1 AS hit
        FROM run_redeemed
        WHERE run_id = {run_id:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
    ),
    folded AS (
        SELECT
            wallet_key, token_key, n_fills, last_ts,
            arrayFold(
                (acc, x) -> multiIf(x.3 = 1,
                    -- BUY (a fill, a split at 0.50, a conversion's YES leg): x.4 received,
                    -- x.5 paid
                    (acc.1 + x.4,
                     if(acc.1 + x.4 > 0, (acc.2 * acc.1 + x.5) / (acc.1 + x.4), acc.2),
                     acc.3, acc.4 + x.5, acc.5 + x.4, acc.6),
                    x.3 = 2,
                    -- a conversion's NO leg: x.6 shares sold at the average price, so nothing
                    -- is realized; only what is held can be sold
                    (acc.1 - least(x.6, acc.1), acc.2, acc.3, acc.4, acc.5,
                     acc.6 + x.6 - least(x.6, acc.1)),
                    -- SELL (a fill, a merge at 0.50, a whole set's NO leg: is_buy 3): x.6
                    -- shares, x.5 proceeds; only what is held can be sold
                    (acc.1 - least(x.6, acc.1),
                     acc.2,
                     acc.3 + if(x.6 > 0, least(x.6, acc.1) * (x.5 / x.6 - acc.2) / 1000000, 0),
                     acc.4, acc.5, acc.6 + x.6 - least(x.6, acc.1))),
                events,
                (toInt64(0), toFloat64(0), toFloat64(0), toFloat64(0), toInt64(0), toInt64(0))
            ) AS st,
            -- Polymarket's convention (docs/metrics.md §4.5): the same fold with fees ignored
            -- (x.8 shares received, x.9 cash); state (amount, avg_price, realized)
            arrayFold(
                (acc, x) -> multiIf(x.3 = 1,
                    (acc.1 + x.8,
                     if(acc.1 + x.8 > 0, (acc.2 * acc.1 + x.9) / (acc.1 + x.8), acc.2), acc.3),
                    x.3 >= 2,  -- a NO leg, of a whole set too: at the average
                    (acc.1 - least(x.6, acc.1), acc.2, acc.3),
                    (acc.1 - least(x.6, acc.1), acc.2,
                     acc.3 + if(x.6 > 0, least(x.6, acc.1) * (x.9 / x.6 - acc.2) / 1000000, 0))),
                events, (toInt64(0), toFloat64(0), toFloat64(0))
            ) AS pm
        FROM (
            SELECT wallet_key, token_key, sum(is_fill) AS n_fills, max(ts) AS last_ts,
                   arraySort(x -> (x.1, x.2, x.7),
                             groupArray((ts, tx_key, is_buy, received, cash, shares, order_key,
                                         gross_received, gross_cash))) AS events
            FROM (
                SELECT wallet_key, token_key, ts, tx_key, is_buy, received,
                       toFloat64(cash) AS cash, shares, order_key, 1 AS is_fill,
                       if(is_buy, shares, 0) AS gross_received, toFloat64(usdc) AS gross_cash
                FROM trade_rows
                WHERE ts <= as_of AND wallet_key BETWEEN wallet_lo AND wallet_hi
                      AND (every_wallet OR wallet_key IN whole
                           OR (wallet_key IN computed AND token_key IN changed)
                           OR (wallet_key, token_key) IN moved)
                UNION ALL
                SELECT wallet_key, token_key, ts, tx_key, is_buy, received, cash, shares,
                       order_key, 0 AS is_fill, received AS gross_received, gross_cash
                FROM activity_rows
                WHERE ts <= as_of AND wallet_key BETWEEN wallet_lo AND wallet_hi
                      AND (every_wallet OR wallet_key IN whole
                           OR (wallet_key IN computed AND token_key IN changed)
                           OR (wallet_key, token_key) IN moved)
            )
            GROUP BY wallet_key, token_key
            -- arrayFold steps every row of a block as often as the block's longest array:
            -- blocks of like lengths keep a bot's long position from costing every short one
            ORDER BY length(events)
        )
    )
SELECT * EXCEPT (settled_feeless) FROM (
SELECT
    {run_id:String}                                          AS this_run,
    p.wallet_key, p.token_key,
    if(t.resolved, 0, p.st.1 / 1000000)                      AS amount,
    p.st.2                                                   AS avg_price,
    p.st.3 + if(t.resolved, p.st.1 * (t.payout - p.st.2) / 1000000, 0)  AS realized,
    p.st.4 / 1000000                                         AS cost,
    p.st.5 / 1000000                                         AS bought,
    p.st.6 / 1000000                                         AS unmatched_sell,
    p.n_fills                                                AS fills,
    NOT t.resolved AND p.st.1 > dust_micro                   AS is_open,
    multiIf(p.st.1 <= dust_micro, p.last_ts, t.resolved, t.resolved_at, NULL) AS closed_ts,
    t.mark                                                   AS mark,
    if(is_open AND t.mark IS NOT NULL, p.st.1 * (t.mark - p.st.2) / 1000000, 0) AS unrealized,
    -- Polymarket's realized P&L: a resolved position counts only once redeemed
    if(t.resolved, p.pm.1 * (t.payout - p.pm.2) / 1000000, 0) AS settled_feeless,
    p.pm.3 + if(r.hit = 1, settled_feeless, 0)               AS pnl_polymarket,
    realized - (p.pm.3 + settled_feeless)                    AS pnl_fee_effect,
    if(r.hit = 1, 0, settled_feeless)                        AS pnl_unredeemed
FROM folded AS p
JOIN tokens AS t ON t.token_key = p.token_key
LEFT JOIN redeemed AS r ON r.wallet_key = p.wallet_key AND r.condition_key = t.condition_key
)
