-- Included in risk.sql and risk_curves.sql (metrics/run.py: metrics_sql), first in their
-- WITH, bound parameters included: the daily equity curve of §4.7 (docs/metrics.md) per wallet and scope,
-- as `equity_curves` (wallet_key, scope, days, changes, cash). E_d, the equity at the end of
-- UTC day d, is the curve of §9: per token, the cash paid and received so far plus the
-- shares held (never below 0) at the payout once resolved by that day, else at the latest
-- trade price by then. Only E's changes are built, never a row per position and day: on a
-- position's flow days, and on the days its token's value changes while shares are held;
-- quiet days count as changes of 0 in the figures. Each change is a whole number of
-- micro-USDC (the position's value, rounded, after minus before), so their sums are exact in
-- any order.
-- A run that carries over (metrics/incremental.py) builds, for a wallet whose history up to
-- the base run's as-of time and whose tokens' curves before the base run's as-of day are the
-- base run's (run_wallets.past), only the days from that day on (the as-of day alone when
-- both runs are of one day): its changes before are the base run's, read from the curve a
-- carrying run that computed the wallet wrote (risk_curves, through run_sources; a wallet
-- last computed by a run computed whole without `carry`, which writes no curves, has its
-- curve built whole). A position's changes on those days, from its last flow day before
-- them or a flow then, need the cash and shares of its whole history, so those flows are
-- read whole.
    {as_of:UInt32} AS as_of,
    intDiv(as_of, 86400) AS as_of_day,
    -- the first day a kept wallet's curve is built from (0 in a run computed whole)
    intDiv({base_as_of:UInt32}, 86400) AS base_day,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices), and of those only the
    -- ones it computes when it carries the others over (metrics/incremental.py)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    {every_wallet:UInt8} AS every_wallet,
    computed AS (SELECT wallet_key FROM run_wallets WHERE run_id = {run_id:String}),
    -- the categories by number (1, 2, ...; metrics/run.py: numbered): numbers group several
    -- times faster than names
    {categories:Array(String)} AS categories,
    -- the slice's wallets whose curve's days before base_day are the base run's (none in a
    -- run computed whole), and where the base run reads their curves
    kept_curves AS (
        SELECT source_run, wallet_key FROM run_sources
        WHERE run_id = {base_run:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
              AND wallet_key IN (SELECT wallet_key FROM run_wallets
                                 WHERE run_id = {run_id:String} AND past)
    ),
    kept AS (SELECT DISTINCT wallet_key FROM risk_curves
             WHERE (run_id, wallet_key) IN kept_curves),
    -- of a kept wallet, only the positions that can change from base_day on are read: those
    -- with a flow then, and those on a token whose value changes then
    moved AS (
        SELECT wallet_key, token_key FROM trade_rows
        WHERE ts >= base_day * 86400 AND ts <= as_of AND NOT every_wallet
              AND wallet_key IN computed
        UNION ALL
        SELECT wallet_key, token_key FROM activity_rows
        WHERE ts >= base_day * 86400 AND ts <= as_of AND NOT every_wallet
              AND wallet_key IN computed
    ),
    revalued AS (SELECT token_key FROM token_curves
                 WHERE run_id = {run_id:String} AND arrayExists(d -> d >= base_day, days)),
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
        WHERE every_wallet OR wallet_key NOT IN kept OR token_key IN revalued
              OR (wallet_key, token_key) IN moved
        GROUP BY wallet_key, token_key, day
    ),
    positions AS (
        -- per position and flow day: the shares held after it (never below 0), the cash so
        -- far after and before the day (each summed in day order), and the next flow day;
        -- with the token's category (its number). A position's days are one group's arrays,
        -- sorted once: running sums over them, not window functions over every row.
        SELECT p.wallet_key AS wallet_key, p.token_key AS token_key,
               toUInt8(indexOf(categories, toString(t.category))) AS category,
               day, dc, cash, cash_before, held, held_before, next_day,
               p.wallet_key IN kept AS is_kept
        FROM (
            SELECT wallet_key, token_key,
                   arraySort(groupArray(f.day)) AS days,
                   arraySort((v, d) -> d, groupArray(f.dc), groupArray(f.day)) AS dcs,
                   arraySort((v, d) -> d, groupArray(f.dq), groupArray(f.day)) AS dqs,
                   arrayCumSum(dcs) AS cash_after, arrayCumSum(dqs) AS shares_after
            FROM flows AS f
            GROUP BY wallet_key, token_key
        ) AS p
        ARRAY JOIN days AS day, dcs AS dc, cash_after AS cash,
                   arrayPushFront(arrayPopBack(cash_after), 0.) AS cash_before,
                   arrayMap(q -> greatest(q, 0), shares_after) AS held,
                   arrayMap((q, d) -> greatest(q - d, 0), shares_after, dqs) AS held_before,
                   arrayPushBack(arrayPopFront(days), toUInt32(4294967295)) AS next_day
        JOIN trade_tokens AS t ON t.token_key = p.token_key
    ),
    curves AS (
        -- per token, its value changes in day order (token_curves.sql): the days, the
        -- values from each on, and the values before
        SELECT token_key, days, vals, prevs FROM token_curves WHERE run_id = {run_id:String}
    ),
    position_changes AS (
        -- E's changes, per position, as arrays: on a flow day, the cash moved and the shares
        -- bought or sold at the token's value that day; on each later day the value changes
        -- while shares are held (up to and including the next flow day), the shares held
        -- times the change (each in integer micro-USDC: the position's value, rounded, after
        -- minus before). The token's days are sorted, so those later days are one slice of
        -- them, from the first day after the flow day (`at` + 1) on, `k` days long. Each day
        -- is keyed with the position's category (category * 2^32 + day) for the wallet's merge.
        SELECT wallet_key,
               -- (a kept wallet: only the changes from base_day on)
               if(is_kept, arrayFilter(d -> d >= base_day, ds0), ds0) AS ds,
               arrayMap(d -> bitOr(bitShiftLeft(toUInt64(category), 32), d), ds) AS keys,
               if(is_kept, arrayFilter((x, d) -> d >= base_day, rs0, ds0), rs0) AS rs,
               if(is_kept, arrayFilter((x, d) -> d >= base_day, cs0, ds0), cs0) AS cs
        FROM (
            SELECT p.wallet_key AS wallet_key, p.category AS category, p.is_kept AS is_kept,
                   c.days AS days,
                   -- the token's value on the flow day (0 before its first trade)
                   arrayLastIndex(d -> d <= p.day, days) AS at,
                   if(at = 0, 0, c.vals[at]) AS v,
                   if(p.held > 0, arrayLastIndex(d -> d <= p.next_day, days) - at, 0) AS k,
                   arrayPushFront(arraySlice(days, at + 1, k), p.day) AS ds0,
                   arrayPushFront(
                       arrayMap((now, before) -> toInt64(round(p.cash + p.held * now)
                                                         - round(p.cash + p.held * before)),
                                arraySlice(c.vals, at + 1, k), arraySlice(c.prevs, at + 1, k)),
                       toInt64(round(p.cash + p.held * v)
                               - round(p.cash_before + p.held_before * v))) AS rs0,
                   arrayPushFront(arrayResize([toInt64(0)], k),
                                  toInt64(round(p.cash) - round(p.cash_before))) AS cs0
            FROM positions AS p
            LEFT JOIN curves AS c ON c.token_key = p.token_key
            -- (a kept wallet: only its positions' changes from base_day on, from a flow then
            -- or from the last flow day before it while shares are held)
            WHERE NOT p.is_kept OR p.day >= base_day
                  OR p.day < base_day AND p.next_day >= base_day AND p.held > 0
        )
    ),
    -- per wallet, its changes merged twice: by (category, day), E's change and the cash
    -- moved per category and day (`by_key`); then those by day, the same over every
    -- category (the scope 'all'). Each merge sorts the (key, change, cash) triples once by
    -- key (a permutation and gathers by index through lambdas took ~15% longer); sums are
    -- whole micro-USDC, so exact in any order. No row per change and no hash table of days:
    -- a wallet's changes are a few arrays. In steps, each handing the next only what it
    -- reads: an alias read by several expressions of one SELECT is analysed once per read,
    -- and in one SELECT these took ~70 ms more to analyse and plan, in every slice and
    -- refresh round.
    sorted_changes AS (
        SELECT wallet_key,
               arraySort(x -> x.1, arrayZip(groupArrayArray(keys), groupArrayArray(rs),
                                            groupArrayArray(cs))) AS sorted
        FROM position_changes
        GROUP BY wallet_key
    ),
    key_ends AS (
        -- by category and day: a key's sum is the running sum at its last change less the
        -- one before it
        SELECT wallet_key, sorted.1 AS sk,
               arrayMap((k, next) -> k != next, sk,
                        arrayPushBack(arrayPopFront(sk), toUInt64(0))) AS k_last,
               arrayFilter((k, l) -> l, sk, k_last) AS by_key,
               arrayFilter((x, l) -> l, arrayCumSum(sorted.2), k_last) AS kr,
               arrayFilter((x, l) -> l, arrayCumSum(sorted.3), k_last) AS kc
        FROM sorted_changes
    ),
    key_sums AS (
        SELECT wallet_key, by_key,
               arrayMap(k -> toUInt32(bitAnd(k, 4294967295)), by_key) AS key_days,
               arrayMap((x, before) -> x - before, kr,
                        arrayPushFront(arrayPopBack(kr), toInt64(0))) AS key_changes,
               arrayMap((x, before) -> x - before, kc,
                        arrayPushFront(arrayPopBack(kc), toInt64(0))) AS key_cash
        FROM key_ends
    ),
    day_ends AS (
        -- by day: the same from the categories' sums
        SELECT wallet_key, by_key, key_days, key_changes, key_cash, by_day.1 AS sd,
               arrayMap((d, next) -> d != next, sd,
                        arrayPushBack(arrayPopFront(sd), toUInt32(4294967295))) AS d_last,
               arrayFilter((x, l) -> l, arrayCumSum(by_day.2), d_last) AS dr,
               arrayFilter((x, l) -> l, arrayCumSum(by_day.3), d_last) AS dc
        FROM (
            SELECT *, arraySort(x -> x.1, arrayZip(key_days, key_changes, key_cash)) AS by_day
            FROM key_sums
        )
    ),
    merged AS (
        -- one array of days, changes and cash: the scope 'all' first, then each category's
        -- in category order
        SELECT wallet_key,
               arrayConcat(arrayFilter((d, l) -> l, sd, d_last), key_days) AS days,
               arrayConcat(arrayMap((x, before) -> x - before, dr,
                                    arrayPushFront(arrayPopBack(dr), toInt64(0))),
                           key_changes) AS changes,
               arrayConcat(arrayMap((x, before) -> x - before, dc,
                                    arrayPushFront(arrayPopBack(dc), toInt64(0))),
                           key_cash) AS cash,
               -- the scopes' parts of them: (scope, offset, length)
               length(dr) AS n_all,
               arrayMap(k -> toUInt8(bitShiftRight(k, 32)), by_key) AS cats,
               arrayFilter((i, c, before) -> i = 1 OR c != before, arrayEnumerate(cats), cats,
                           arrayPushFront(arrayPopBack(cats), toUInt8(0))) AS starts,
               arrayPushFront(
                   arrayMap((s, e) -> (cats[s], toUInt64(n_all + s), toUInt64(e - s)), starts,
                            arrayPushBack(arrayPopFront(starts), length(by_key) + 1)),
                   (toUInt8(0), toUInt64(1), toUInt64(n_all))) AS scopes
        FROM day_ends
    ),
    built AS (
        -- the curves built here: per wallet and scope, its change days in order, and E's
        -- change and the cash moved on each
        SELECT wallet_key, part.1 AS scope, arraySlice(days, part.2, part.3) AS days,
               arraySlice(changes, part.2, part.3) AS changes,
               arraySlice(cash, part.2, part.3) AS cash
        FROM merged
        ARRAY JOIN scopes AS part
        WHERE part.3 > 0
    ),
    base_curves AS (
        -- a kept wallet's curves from the base run, each cut before base_day
        SELECT wallet_key,
               toUInt8(if(category = 'all', 0, indexOf(categories, toString(category))))
                   AS scope,
               length(arrayFilter(d -> d < base_day, days)) AS n,
               arraySlice(days, 1, n) AS days_before,
               arraySlice(changes, 1, n) AS changes_before, arraySlice(cash, 1, n) AS cash_before
        FROM risk_curves
        WHERE (run_id, wallet_key) IN kept_curves
    ),
    equity_curves AS (
        -- a kept wallet's curve is the base run's before base_day, then the days built
        SELECT wallet_key, scope, arrayConcat(b.days_before, c.days) AS days,
               arrayConcat(b.changes_before, c.changes) AS changes,
               arrayConcat(b.cash_before, c.cash) AS cash
        FROM built AS c
        FULL OUTER JOIN base_curves AS b USING (wallet_key, scope)
    )