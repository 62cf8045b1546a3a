-- One wallet's daily cumulative P&L up to the run's as-of time, for a chart:
--   realized: Σ P&L of the bets closed by the end of that day (what a window's realized_pnl
--             adds up: docs/metrics.md §3-§4, §9);
--   total:    mark-to-market equity: cash in and out so far plus the shares still held, each
--             at its payout once resolved, else at its latest trade price by that day
--             (any wallet's, from before the wallet held it too).
-- Days run from the wallet's first trade to the as-of day (UTC).
WITH
    {as_of:UInt32} AS as_of,
    flows AS (
        -- fills, splits and merges move shares and cash alike; a conversion moves shares on
        -- each leg (NO legs out, YES legs in) and its USDC received, n·(k − 1), is spread
        -- over its NO legs' `cash` (its YES legs' `cash` is a cost basis, not a payment)
        SELECT token_key, toDate(toDateTime(ts, 'UTC')) AS day,
               sum(if(is_buy = 1, received, -shares)) AS dq,
               sum(multiIf(kind = 'conversion' AND is_buy = 1, 0, is_buy = 1, -cash, cash)) AS dc
        FROM (
            SELECT token_key, ts, is_buy, received, shares, toFloat64(cash) AS cash, '' AS kind
            FROM trade_rows WHERE wallet_key = cityHash64({wallet:String}) AND ts <= as_of
            UNION ALL
            SELECT token_key, ts, is_buy, received, shares, cash, toString(kind)
            FROM activity_rows WHERE wallet_key = cityHash64({wallet:String}) AND ts <= as_of
        )
        GROUP BY token_key, day
    ),
    tokens AS (
        SELECT f.token_key AS token_key, min(f.day) AS first_day,
               any(t.payout) AS payout, any(t.resolved_at) AS resolved_at
        FROM flows AS f
        LEFT JOIN (
            SELECT token_key, payout, resolved_at FROM trade_tokens
            WHERE token_key IN (SELECT token_key FROM flows)
        ) AS t ON t.token_key = f.token_key
        GROUP BY f.token_key
    ),
    prices AS (
        -- each day's last trade price (the run's token_prices, from every wallet's trades)
        SELECT token_key, toDate(toDateTime(day * 86400, 'UTC')) AS day,
               toNullable(price) AS price
        FROM token_prices
        WHERE run_id = {run:String} AND token_key IN (SELECT token_key FROM flows)
    ),
    opening AS (
        -- a token's latest price from before the wallet first held it: a conversion can
        -- hand it YES of a question nobody has traded since, still worth that price
        SELECT p.token_key AS token_key, argMax(p.price, p.day) AS price
        FROM prices AS p
        INNER JOIN tokens AS tk ON tk.token_key = p.token_key
        WHERE p.day < tk.first_day
        GROUP BY p.token_key
    ),
    grid AS (
        SELECT tk.token_key AS token_key, tk.payout AS payout, tk.resolved_at AS resolved_at,
               arrayJoin(arrayMap(i -> tk.first_day + i, range(toUInt32(
                   toDate(toDateTime(as_of, 'UTC')) - tk.first_day + 1)))) AS day
        FROM tokens AS tk
    ),
    marked AS (
        SELECT g.day AS day,
               sum(f.dc) OVER w AS cash,
               sum(f.dq) OVER w AS held,
               anyLast(p.price) OVER w AS last_price, o.price AS opening_price,
               g.payout AS payout, g.resolved_at AS resolved_at
        FROM grid AS g
        LEFT JOIN flows AS f ON f.token_key = g.token_key AND f.day = g.day
        LEFT JOIN prices AS p ON p.token_key = g.token_key AND p.day = g.day
        LEFT JOIN opening AS o ON o.token_key = g.token_key
        WINDOW w AS (PARTITION BY g.token_key ORDER BY g.day
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    equity AS (
        SELECT day,
               sum(cash / 1e6 + greatest(held, 0) / 1e6 * if(
                   resolved_at IS NOT NULL
                       AND resolved_at < toUInt32(toDateTime(day + 1, 'UTC')),
                   payout, coalesce(last_price, opening_price, 0))) AS total
        FROM marked GROUP BY day
    ),
    closed AS (
        SELECT toDate(toDateTime(closed_ts, 'UTC')) AS day, sum(pnl) AS pnl
        FROM bet_rows
        WHERE closed
          -- the wallet's bets where the run reads them (run_sources)
          AND (run_id, wallet_key) IN (SELECT source_run, wallet_key FROM run_sources
                                       WHERE run_id = {run:String}
                                             AND wallet_key = cityHash64({wallet:String}))
        GROUP BY day
    )
SELECT toString(e.day) AS day,
       sum(ifNull(c.pnl, 0)) OVER (ORDER BY e.day) AS realized,
       e.total AS total
FROM equity AS e
LEFT JOIN closed AS c ON c.day = e.day
ORDER BY e.day
