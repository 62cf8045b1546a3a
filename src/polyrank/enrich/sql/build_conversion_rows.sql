-- Neg-risk conversions as position events (docs/metrics.md §2), added to the activity_rows
-- being built ({target}) once its splits and merges are in and trade_rows ({trades}) is built.
-- A conversion of n in event M (q questions) converts the NO tokens of the questions in S
-- (k = |S|) into n YES of each other question and n·(k − 1) USDC:
--   NO legs  (is_buy 2): each converted question's NO token sells n at its own average price:
--            amount −= min(n, amount), the rest is unmatched; avg_price, realized, cost and
--            bought stay (positions.sql). `cash` here is not a price: it is this leg's
--            share of the USDC received, n·(k − 1) / (booked NO legs), for the P&L curve only.
--            A whole set (k = q: no YES leg carries that USDC) is is_buy 3 instead: in our
--            fold a SELL of n for cash = n·(k − 1) / k (P&L realized), in Polymarket's
--            convention still a sale at the average (the pnl-subgraph's rule).
--   YES legs (is_buy 1): each other question's YES token buys n at
--            yes_price = (no_price·k − (k − 1)) / (q − k), not clamped (it may be negative),
--            no_price being the mean of the converted NO positions' average prices just before
--            the conversion; `cash` from our averages (fees included), `gross_cash` from the
--            fee-less ones (Polymarket's convention, §4.5).
-- Float64 operation order (a reference ledger repeats it to the last bit), for each fold:
--   sum_avg   = ((0.0 + avg[i1]) + avg[i2]) + ...   i1 < i2 < ... the questions of S; a NO
--               position never held, or a question the catalogue lacks, adds 0
--   no_price  = sum_avg / k
--   yes_price = (no_price * k - (k - 1)) / (q - k)  k, q integers converted to Float64
--   paid      = n * yes_price                       n in micro shares (an integer)
-- The NO averages depend only on each NO position's own events (fills, splits, merges and NO
-- legs: no YES leg ever touches a NO token), so one fold of those positions, in the order and
-- arithmetic of positions.sql, gives them exactly.
--
-- The three stored forms: the activity subgraph's one row (condition_id = M, index_set = S as
-- bits, question_count = q then, > 0); the chain's one row (the same, but q unknown: 0, so q =
-- the catalogue's markets of M); and the Data API's rows, one per converted question
-- (condition_id = that question's condition, index_set and question_count 0), grouped (in
-- conversion_legs.sql, which writes the legs this file prices) by wallet, transaction and
-- event: S = their questions, n = the least amount, q = the catalogue's markets of M, the
-- smallest id standing for the conversion. A question's index is the last byte of its Gamma
-- questionID; legs exist only for questions the catalogue knows.
INSERT INTO {target:Identifier}
    (wallet_key, token_key, ts, tx_key, order_key, is_buy, shares, received, cash, gross_cash,
     kind)
WITH
    -- (conversion_legs.sql: each conversion's legs, from its activity and the catalogue)
    legs AS (SELECT * FROM conversion_legs),
    no_prices AS (
        -- each NO leg with its position's average prices just before it (ours, fee-less): the
        -- NO positions that have a leg, folded as positions.sql folds them
        SELECT wallet_key, rec.1 AS order_key, rec.2 AS question, rec.3 AS avg_price,
               rec.4 AS pm_avg_price
        FROM (
            SELECT wallet_key, token_key,
                arrayFold(
                    -- state: (amount, avg_price, fee-less amount, fee-less avg_price, kept)
                    (acc, x) -> multiIf(
                        x.3 = 1,      -- BUY: x.4 received, x.5 paid; fee-less x.8, x.9
                        (acc.1 + x.4,
                         if(acc.1 + x.4 > 0, (acc.2 * acc.1 + x.5) / (acc.1 + x.4), acc.2),
                         acc.3 + x.8,
                         if(acc.3 + x.8 > 0, (acc.4 * acc.3 + x.9) / (acc.3 + x.8), acc.4),
                         acc.5),
                        x.3 = 2,      -- a NO leg: keep the averages, then sell at them
                        (acc.1 - least(x.6, acc.1), acc.2, acc.3 - least(x.6, acc.3), acc.4,
                         arrayPushBack(acc.5, (x.7, x.10, acc.2, acc.4))),
                        -- SELL (x.6 shares): the averages stay
                        (acc.1 - least(x.6, acc.1), acc.2, acc.3 - least(x.6, acc.3), acc.4,
                         acc.5)),
                    events,
                    (toInt64(0), toFloat64(0), toInt64(0), toFloat64(0),
                     CAST([], 'Array(Tuple(UInt64, UInt32, Float64, Float64))'))
                ).5 AS kept
            FROM (
                SELECT wallet_key, token_key,
                       arraySort(x -> (x.1, x.2, x.7),
                                 groupArray((ts, tx_key, is_buy, received, cash, shares, order_key,
                                             gross_received, gross_cash, question))) AS events
                FROM (
                    SELECT wallet_key, token_key, ts, tx_key, is_buy, received,
                           toFloat64(cash) AS cash, shares, order_key,
                           if(is_buy, shares, 0) AS gross_received, toFloat64(usdc) AS gross_cash,
                           toUInt32(0) AS question
                    FROM {trades:Identifier}
                    WHERE (wallet_key, token_key) IN (SELECT wallet_key, token_key FROM legs
                                                      WHERE is_no)
                    UNION ALL
                    SELECT wallet_key, token_key, ts, tx_key, is_buy, received, cash, shares,
                           order_key, received, gross_cash, toUInt32(0)
                    -- the splits and merges so far, and the kept conversion rows of a
                    -- wallet an incremental enrich appends to (its NO legs sell as these do)
                    FROM {target:Identifier}
                    WHERE (wallet_key, token_key) IN (SELECT wallet_key, token_key FROM legs
                                                      WHERE is_no)
                    UNION ALL
                    SELECT wallet_key, token_key, ts, tx_key, toUInt8(2), toInt64(0),
                           toFloat64(0), n, order_key, toInt64(0), toFloat64(0), question
                    FROM legs WHERE is_no
                )
                GROUP BY wallet_key, token_key
                -- blocks of like lengths (positions.sql: the fold steps every row of a block as
                -- often as its longest array)
                ORDER BY length(events)
            )
        )
        ARRAY JOIN kept AS rec
    ),
    prices AS (
        -- per conversion: Σ of its NO averages, in question order from 0.0 (sum_avg above)
        SELECT wallet_key, order_key,
               arrayFold((s, x) -> s + x.2,
                         arraySort(x -> x.1, groupArray((question, avg_price))),
                         toFloat64(0)) AS sum_avg,
               arrayFold((s, x) -> s + x.2,
                         arraySort(x -> x.1, groupArray((question, pm_avg_price))),
                         toFloat64(0)) AS pm_sum_avg
        FROM no_prices
        GROUP BY wallet_key, order_key
    )
SELECT wallet_key, token_key, ts, tx_key, order_key, is_buy, shares, received, cash,
       gross_cash, 'conversion' AS kind
FROM (
    SELECT l.wallet_key AS wallet_key, l.token_key AS token_key, l.ts AS ts,
           l.tx_key AS tx_key, l.order_key AS order_key,
           -- a whole set (k = q): our NO legs sell for the USDC (is_buy 3, a SELL in our fold,
           -- at the average in Polymarket's)
           toUInt8(multiIf(NOT l.is_no, 1, l.k = l.q, 3, 2)) AS is_buy, l.n AS shares,
           if(l.is_no, 0, l.n) AS received,
           -- a conversion with no NO leg booked has no prices row: sums 0
           p.sum_avg / l.k AS no_price,
           (no_price * l.k - (l.k - 1)) / (l.q - l.k) AS yes_price,
           p.pm_sum_avg / l.k AS pm_no_price,
           (pm_no_price * l.k - (l.k - 1)) / (l.q - l.k) AS pm_yes_price,
           countIf(l.is_no) OVER (PARTITION BY l.wallet_key, l.order_key) AS booked_no,
           multiIf(NOT l.is_no, l.n * yes_price, l.k = l.q, l.n * (l.k - 1) / l.k,
                   l.n * (l.k - 1) / booked_no) AS cash,
           if(l.is_no, cash, l.n * pm_yes_price) AS gross_cash
    FROM legs AS l
    LEFT JOIN prices AS p ON p.wallet_key = l.wallet_key AND p.order_key = l.order_key
)
