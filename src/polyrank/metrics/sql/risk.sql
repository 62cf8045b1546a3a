-- Risk from the daily equity curve (docs/metrics.md §4.7) per wallet, scope and window, into
-- risk_work. E_d, the equity at the end of UTC day d, is the curve of §9: per token, the cash
-- paid and received so far plus the shares held (never below 0) at the payout once resolved
-- by that day, else at the latest trade price by then. Only E's changes are built, never a
-- row per position and day: on a position's flow days, and on the days its token's value
-- changes while shares are held; quiet days count as changes of 0 in the figures. The
-- changes are summed per wallet, scope and day and folded into the figures in one statement:
-- they are never written down.
INSERT INTO risk_work
WITH
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    {window_days:Array(UInt32)} AS window_days,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices), and of those only the
    -- ones it computes when it carries the others over (metrics/incremental.py)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    {every_wallet:UInt8} AS every_wallet,
    computed AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String}),
    -- the categories by number (1, 2, ...; metrics/run.py: numbered): numbers group several
    -- times faster than names
    {categories:Array(String)} AS categories,
    flows AS (
        -- per wallet, token and day: shares in and out, cash in and out (a conversion's YES
        -- legs carry a cost basis, not a payment; its NO legs the USDC it paid out)
        SELECT wallet_key, token_key, intDiv(ts, 86400) AS day,
               sum(if(is_buy = 1, received, -shares)) AS dq,
               -- (summed in the order of the values, not of their arrival: a conversion's
               -- cash is no whole number of micro-USDC, so another order could change the
               -- sum's last bits, and one of the changes rounded below by a micro-USDC)
               arraySum(arraySort(groupArray(
                   multiIf(kind = 'conversion' AND is_buy = 1, 0, is_buy = 1, -cash, cash))))
                   AS dc
        FROM (
            SELECT wallet_key, token_key, ts, is_buy, received, shares, toFloat64(cash) AS cash,
                   '' AS kind
            FROM trade_rows
            WHERE ts <= as_of AND wallet_key BETWEEN wallet_lo AND wallet_hi
                  AND (every_wallet OR wallet_key IN computed)
            UNION ALL
            SELECT wallet_key, token_key, ts, is_buy, received, shares, cash, toString(kind)
            FROM activity_rows
            WHERE ts <= as_of AND wallet_key BETWEEN wallet_lo AND wallet_hi
                  AND (every_wallet OR wallet_key IN computed)
        )
        GROUP BY wallet_key, token_key, day
    ),
    positions AS (
        -- per position and flow day: the shares held after it (never below 0), the cash so
        -- far, and the next flow day; with the token's category (its number)
        SELECT f.wallet_key AS wallet_key, f.token_key AS token_key,
               toUInt8(indexOf(categories, toString(t.category))) AS category,
               f.day AS day, f.dc AS dc,
               -- the cash so far after and before the day, each summed in day order
               sum(f.dc) OVER w AS cash,
               sum(f.dc) OVER (PARTITION BY f.wallet_key, f.token_key ORDER BY f.day
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cash_before,
               greatest(sum(f.dq) OVER w, 0) AS held,
               greatest(sum(f.dq) OVER w - f.dq, 0) AS held_before,
               leadInFrame(f.day, 1, toUInt32(4294967295)) OVER (
                   PARTITION BY f.wallet_key, f.token_key ORDER BY f.day
                   ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_day
        FROM flows AS f
        JOIN trade_tokens AS t ON t.token_key = f.token_key
        WINDOW w AS (PARTITION BY f.wallet_key, f.token_key ORDER BY f.day
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    curves AS (
        -- per token, its value changes in day order (token_curves.sql): the days, the
        -- values from each on, and the values before
        SELECT token_key, days, vals, prevs FROM token_curves WHERE run_id = {run_id:String}
    ),
    position_changes AS (
        -- E's changes, per position: on a flow day, the cash moved and the shares bought or
        -- sold at the token's value that day; on each later day the value changes while
        -- shares are held (up to and including the next flow day), the shares held times the
        -- change (each in integer micro-USDC: the position's value, rounded, after minus
        -- before). The token's days are sorted, so those later days are one slice of them,
        -- from the first day after the flow day (`at` + 1) on, `k` days long.
        SELECT p.wallet_key AS wallet_key, p.category AS category, day, r, dcash
        FROM (
            SELECT p.wallet_key AS wallet_key, p.category AS category, c.days AS days,
                   -- the token's value on the flow day (0 before its first trade)
                   arrayLastIndex(d -> d <= p.day, days) AS at,
                   if(at = 0, 0, c.vals[at]) AS v,
                   if(p.held > 0, arrayLastIndex(d -> d <= p.next_day, days) - at, 0) AS k,
                   arrayPushFront(arraySlice(days, at + 1, k), p.day) AS ds,
                   arrayPushFront(
                       arrayMap((now, before) -> round(p.cash + p.held * now)
                                                 - round(p.cash + p.held * before),
                                arraySlice(c.vals, at + 1, k), arraySlice(c.prevs, at + 1, k)),
                       round(p.cash + p.held * v) - round(p.cash_before + p.held_before * v))
                       AS rs,
                   arrayPushFront(arrayResize([0.], k), round(p.cash) - round(p.cash_before))
                       AS cs
            FROM positions AS p
            LEFT JOIN curves AS c ON c.token_key = p.token_key
        ) AS p
        ARRAY JOIN ds AS day, rs AS r, cs AS dcash
    ),
    daily AS (
        -- E's change and the cash moved per wallet, scope and day: per category (its
        -- number), then over all of them (scope 0) from those sums, each row counted in
        -- both scopes (far fewer rows than the changes)
        SELECT wallet_key, scope, day, sum(r) AS r, sum(dcash) AS dcash
        FROM (
            SELECT wallet_key, category, day, sum(r) AS r, sum(dcash) AS dcash
            FROM position_changes
            GROUP BY wallet_key, category, day
        )
        ARRAY JOIN [category, toUInt8(0)] AS scope
        GROUP BY wallet_key, scope, day
    ),
    wallet_curves AS (
        -- per wallet and scope, its change days in order and E's change on each
        SELECT wallet_key, scope,
               arraySort(groupArray(day)) AS days,
               arraySort((v, d) -> d, groupArray(r / 1e6), groupArray(day)) AS changes,
               days[1] AS first_day,
               -- the capital K: the most cash ever out (over the whole curve)
               greatest(arrayMax(arrayCumSum(arraySort((v, d) -> d, groupArray(-dcash),
                                                       groupArray(day)))), 0) / 1e6 AS capital
        FROM daily
        GROUP BY wallet_key, scope
    ),
    windows AS (
        SELECT wallet_key, scope, wi, capital,
               if(window_days[wi] = 0, first_day,
                  greatest(first_day, as_of_day - window_days[wi] + 1)) AS start_day,
               as_of_day - start_day + 1 AS n,
               -- the window's changes, and E the day before it
               arrayFirstIndex(d -> d >= start_day, days) AS first,
               if(first = 0, [], arraySlice(changes, first)) AS r,
               arraySum(arraySlice(changes, 1,
                                   toUInt64(if(first = 0, length(changes), first - 1)))) AS e0,
               arraySum(r) / n AS mean,
               -- Σ (r - mean)² over every day, the quiet ones (r = 0) included
               arraySum(v -> (v - mean) * (v - mean), r) + (n - length(r)) * mean * mean AS ss,
               arraySum(v -> if(v < 0, v * v, 0), r) AS downside,
               -- E's fall below its running peak (from e0) each day: d = max(0, d' - r), so
               -- the peak that day is E + d; the largest fall, and the largest of V = K + E
               -- below its own peak: fall / (K + peak)
               arrayCumSumNonNegative(arrayMap(v -> -v, r)) AS falls,
               arrayMap(v -> v + e0, arrayCumSum(r)) AS equity,
               arrayMax(falls) AS fall,
               arrayMax(arrayMap((d, e) -> if(d > 0 AND capital + e + d > 0,
                                              d / (capital + e + d), 0),
                                 falls, equity)) AS fall_pct
        FROM wallet_curves
        ARRAY JOIN arrayEnumerate(window_days) AS wi
    )
SELECT {run_id:String}, wallet_key, scope, wi,
       if(n < 2 OR ss = 0, NULL, mean / sqrt(ss / (n - 1)))   AS sharpe_daily,
       if(n < 2 OR downside = 0, NULL, mean / sqrt(downside / n)) AS sortino_daily,
       fall                                                    AS max_drawdown,
       if(capital = 0, NULL, fall_pct)                         AS max_drawdown_pct
FROM windows
