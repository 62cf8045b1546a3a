-- Risk from the daily equity curve (docs/metrics.md §4.7) per wallet, scope and window, into
-- risk_work, from the run's changes of E in risk_days (risk_days.sql).
INSERT INTO risk_work
WITH
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    {window_days:Array(UInt32)} AS window_days,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    curves AS (
        -- per wallet and scope, its change days in order and E's change on each
        SELECT wallet_key, scope,
               arraySort(groupArray(day)) AS days,
               arraySort((v, d) -> d, groupArray(r / 1e6), groupArray(day)) AS changes,
               days[1] AS first_day,
               -- the capital K: the most cash ever out (over the whole curve)
               greatest(arrayMax(arrayCumSum(arraySort((v, d) -> d, groupArray(-dcash),
                                                       groupArray(day)))), 0) / 1e6 AS capital
        FROM (
            SELECT wallet_key, scope, day, r, dcash
            FROM risk_days
            WHERE run_id = {run_id:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
            UNION ALL
            SELECT wallet_key, 0, day, sum(r), sum(dcash)
            FROM risk_days
            WHERE run_id = {run_id:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
            GROUP BY wallet_key, day
        )
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
        FROM curves
        ARRAY JOIN arrayEnumerate(window_days) AS wi
    )
SELECT {run_id:String}, wallet_key, scope, wi,
       if(n < 2 OR ss = 0, NULL, mean / sqrt(ss / (n - 1)))   AS sharpe_daily,
       if(n < 2 OR downside = 0, NULL, mean / sqrt(downside / n)) AS sortino_daily,
       fall                                                    AS max_drawdown,
       if(capital = 0, NULL, fall_pct)                         AS max_drawdown_pct
FROM windows
