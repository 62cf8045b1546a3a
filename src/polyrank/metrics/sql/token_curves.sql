-- Per token, into token_curves (once per run, from the run's token_prices and the catalogue;
-- the wallet steps read it slice by slice): its mark, the last trade price (docs/metrics.md
-- §2), and its value curve for the equity curve of §4.7 (risk.sql): its last trade price of
-- each day until its resolution day, then its payout; only the days the value changes, each
-- with the value from that day on and the value before.
INSERT INTO token_curves
WITH
    {as_of:UInt32} AS as_of,
    resolutions AS (
        SELECT token_key, intDiv(assumeNotNull(resolved_at), 86400) AS day,
               assumeNotNull(payout) AS payout
        FROM trade_tokens
        WHERE payout IS NOT NULL AND resolved_at <= as_of
    ),
    token_values AS (
        SELECT token_key, day, value, ifNull(previous, 0) AS previous_value
        FROM (
            SELECT token_key, day, value,
                   lagInFrame(toNullable(value), 1, NULL) OVER (
                       PARTITION BY token_key ORDER BY day
                       ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
            FROM (
                SELECT p.token_key AS token_key, p.day AS day, p.price AS value
                FROM (
                    SELECT token_key, day, price FROM token_prices
                    WHERE run_id = {run_id:String}
                ) AS p
                LEFT JOIN resolutions AS r ON r.token_key = p.token_key
                WHERE r.token_key != p.token_key OR p.day < r.day
                UNION ALL
                SELECT token_key, day, payout FROM resolutions
            )
        )
        WHERE previous IS NULL OR value != previous
    ),
    curves AS (
        -- in day order (sorted here: groupArray keeps no order)
        SELECT token_key, arraySort(groupArray(day)) AS days,
               arraySort((v, d) -> d, groupArray(value), groupArray(day)) AS vals,
               arraySort((v, d) -> d, groupArray(previous_value), groupArray(day)) AS prevs
        FROM token_values
        GROUP BY token_key
    ),
    marks AS (
        SELECT token_key, argMax(price, day) AS mark
        FROM token_prices WHERE run_id = {run_id:String}
        GROUP BY token_key
    )
SELECT {run_id:String}, c.token_key,
       -- no trade of the token: no mark (a LEFT JOIN would give 0)
       if(m.token_key = c.token_key, toNullable(m.mark), NULL), c.days, c.vals, c.prevs
FROM curves AS c
LEFT JOIN marks AS m ON m.token_key = c.token_key
