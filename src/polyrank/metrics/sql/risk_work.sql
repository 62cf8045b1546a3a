-- Risk from the daily equity curve (docs/metrics.md §4.7) per wallet, scope ('all' and each
-- category) and window, into risk_work. E_d, the equity at the end of UTC day d, is the
-- curve of §9: per token, the cash paid and received so far plus the shares held (never
-- below 0) at the payout once resolved by that day, else at the latest trade price by then.
-- Only the days on which a token's contribution can change are built (its wallet's flow days
-- and, while shares are held, the token's price days and resolution day); quiet days count
-- as changes of 0 in the figures.
INSERT INTO risk_work
WITH
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    {window_days:Array(UInt32)} AS window_days,
    flows AS (
        -- per wallet, token and day: shares in and out, cash in and out (a conversion's YES
        -- legs carry a cost basis, not a payment; its NO legs the USDC it paid out)
        SELECT wallet_key, token_key, intDiv(ts, 86400) AS day,
               sum(if(is_buy = 1, received, -shares)) AS dq,
               sum(multiIf(kind = 'conversion' AND is_buy = 1, 0, is_buy = 1, -cash, cash)) AS dc
        FROM (
            SELECT wallet_key, token_key, ts, is_buy, received, shares, toFloat64(cash) AS cash,
                   '' AS kind
            FROM trade_rows WHERE ts <= as_of
            UNION ALL
            SELECT wallet_key, token_key, ts, is_buy, received, shares, cash, toString(kind)
            FROM activity_rows WHERE ts <= as_of
        )
        GROUP BY wallet_key, token_key, day
    ),
    spans AS (
        -- per position: its category, and the days its value can move on (days after its
        -- last flow matter only while shares are still held)
        SELECT f.wallet_key AS wallet_key, f.token_key AS token_key,
               any(t.category) AS category, min(f.day) AS first_day, max(f.day) AS last_day,
               sum(f.dq) > 0 AS still_held
        FROM flows AS f
        JOIN trade_tokens AS t ON t.token_key = f.token_key
        GROUP BY wallet_key, token_key
    ),
    resolutions AS (
        SELECT token_key, intDiv(assumeNotNull(resolved_at), 86400) AS day,
               assumeNotNull(payout) AS payout
        FROM trade_tokens
        WHERE payout IS NOT NULL AND resolved_at <= as_of
    ),
    token_values AS (
        -- a token's value from a day on: its last trade price of that day until its
        -- resolution day, then its payout; only the days it changes
        SELECT token_key, day, value
        FROM (
            SELECT token_key, day, value,
                   lagInFrame(toNullable(value), 1, NULL) OVER (
                       PARTITION BY token_key ORDER BY day
                       ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
            FROM (
                SELECT p.token_key AS token_key, p.day AS day, p.price AS value
                FROM (
                    SELECT token_key, intDiv(ts, 86400) AS day,
                           argMax(usdc / shares, (ts, tx_key, order_key)) AS price
                    FROM trade_rows WHERE ts <= as_of AND shares > 0
                    GROUP BY token_key, day
                ) AS p
                LEFT JOIN resolutions AS r ON r.token_key = p.token_key
                WHERE r.token_key != p.token_key OR p.day < r.day
                UNION ALL
                SELECT token_key, day, payout FROM resolutions
            )
        )
        WHERE previous IS NULL OR value != previous
    ),
    events AS (
        -- per position, in day order: its flows (with the token's value that day) and the
        -- later days its token's value changes (kind 1)
        SELECT f.wallet_key AS wallet_key, f.token_key AS token_key, f.day AS day, 0 AS kind,
               f.dq AS dq, f.dc AS dc, toNullable(v.value) AS value
        FROM flows AS f
        ASOF LEFT JOIN (SELECT token_key, day, toNullable(value) AS value FROM token_values) AS v
            ON v.token_key = f.token_key AND v.day <= f.day
        UNION ALL
        SELECT s.wallet_key, s.token_key, v.day, 1, 0, 0, toNullable(v.value)
        FROM spans AS s
        JOIN token_values AS v ON v.token_key = s.token_key
        WHERE v.day > s.first_day AND (s.still_held OR v.day < s.last_day)
    ),
    contributions AS (
        -- the position's part of E after each event: cash so far plus the shares held
        -- (never below 0) at the token's latest value (0 before it has one)
        SELECT wallet_key, token_key, day, kind, dc,
               sum(dc) OVER w / 1e6
                   + greatest(sum(dq) OVER w, 0) / 1e6 * ifNull(anyLast(value) OVER w, 0)
                   AS contribution
        FROM events
        WINDOW w AS (PARTITION BY wallet_key, token_key ORDER BY day, kind
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    by_category AS (
        -- E's change and the cash moved per wallet, category and day
        SELECT c.wallet_key AS wallet_key, s.category AS category, c.day AS day,
               sum(c.change) AS r, sum(c.dc) AS dcash
        FROM (
            SELECT wallet_key, token_key, day, dc,
                   contribution - lagInFrame(contribution, 1, 0) OVER (
                       PARTITION BY wallet_key, token_key ORDER BY day, kind
                       ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS change
            FROM contributions
        ) AS c
        JOIN spans AS s ON s.wallet_key = c.wallet_key AND s.token_key = c.token_key
        GROUP BY wallet_key, category, day
    ),
    curves AS (
        -- per wallet and scope, its change days in order: (day, E change, cash change)
        SELECT wallet_key, scope,
               arraySort(x -> x.1, groupArray((day, r, dcash))) AS points,
               points[1].1 AS first_day,
               -- the capital K: the most cash ever out (over the whole curve)
               greatest(arrayMax(arrayCumSum(arrayMap(x -> -x.3, points))), 0) / 1e6 AS capital
        FROM (
            SELECT wallet_key, toString(category) AS scope, day, r, dcash FROM by_category
            UNION ALL
            SELECT wallet_key, 'all', day, sum(r), sum(dcash) FROM by_category
            GROUP BY wallet_key, day
        )
        GROUP BY wallet_key, scope
    ),
    windows AS (
        SELECT wallet_key, scope, wi, capital,
               if(window_days[wi] = 0, first_day,
                  greatest(first_day, as_of_day - window_days[wi] + 1)) AS start_day,
               as_of_day - start_day + 1 AS n,
               arraySum(arrayMap(x -> if(x.1 < start_day, x.2, 0), points)) AS e0,
               arrayMap(x -> x.2, arrayFilter(x -> x.1 >= start_day, points)) AS r,
               arraySum(r) / n AS mean,
               -- Σ (r - mean)² over every day, the quiet ones (r = 0) included
               arraySum(arrayMap(v -> (v - mean) * (v - mean), r))
                   + (n - length(r)) * mean * mean AS ss,
               arraySum(arrayMap(v -> if(v < 0, v * v, 0), r)) AS downside,
               -- running peak and largest fall, of E and of V = K + E
               arrayFold((acc, v) -> (acc.1 + v, greatest(acc.2, acc.1 + v),
                                      greatest(acc.3, greatest(acc.2, acc.1 + v) - (acc.1 + v)),
                                      if(capital + greatest(acc.2, acc.1 + v) > 0,
                                         greatest(acc.4, (greatest(acc.2, acc.1 + v) - (acc.1 + v))
                                                         / (capital + greatest(acc.2, acc.1 + v))),
                                         acc.4)),
                         r, (e0, e0, toFloat64(0), toFloat64(0))) AS dd
        FROM curves
        ARRAY JOIN arrayEnumerate(window_days) AS wi
    )
SELECT {run_id:String}, wallet_key, scope, wi,
       if(n < 2 OR ss = 0, NULL, mean / sqrt(ss / (n - 1)))   AS sharpe_daily,
       if(n < 2 OR downside = 0, NULL, mean / sqrt(downside / n)) AS sortino_daily,
       dd.3                                                    AS max_drawdown,
       if(capital = 0, NULL, dd.4)                             AS max_drawdown_pct
FROM windows
