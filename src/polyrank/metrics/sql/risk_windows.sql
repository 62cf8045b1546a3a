-- Included last in risk.sql and risk_of_curves.sql (metrics/run.py: metrics_sql), after
-- their `equity_curves` (per wallet and scope: the days E changes, in order, with E's change
-- and the cash moved on each, in micro-USDC): the risk figures of §4.7 (docs/metrics.md) per
-- wallet, scope and window, quiet days counting as changes of 0.
    wallet_curves AS (
        SELECT wallet_key, scope, days, arrayMap(r -> r / 1e6, changes) AS changes,
               days[1] AS first_day,
               -- the capital K: the most cash ever out (over the whole curve)
               greatest(arrayMax(arrayCumSum(arrayMap(c -> -c, cash))), 0) / 1e6 AS capital
        FROM equity_curves
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
