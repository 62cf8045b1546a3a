-- Wallet metrics (docs/metrics.md §4-§5, ledger rules 12-22) for every window x scope, where the
-- scopes of a wallet are 'all' and each category it has a fill in. Windows end at as_of;
-- a window of d days holds what happened in (as_of - d days, as_of]; d = 0 is lifetime.
-- Each row is counted once per scope, and once per window that holds it: a closed bet as a
-- row (ARRAY JOIN of those windows only), a fill in its window's slice of its
-- wallet's fills in time order (fill_arrays). Rows are grouped on numeric keys (the
-- wallet's key; the scope's number: 0 for 'all', n for the n-th category), the names joined
-- last. Per wallet x scope the window figures are then kept as arrays indexed like the
-- windows; the fill figures are spread to one row per window (fill_figures), and each row
-- picks the others from their arrays.
-- Into wallet_metric_rows, where they stay for as long as a kept run reads them
-- (run_sources.sql); the skilled badge, a decision over each board, is skilled.sql's (the
-- `wallet_metrics` view badges the rows by it, so `skilled` is not written here).
-- The columns in the order the last SELECT computes them (it drops its helpers cbar, decided, z)
INSERT INTO wallet_metric_rows (
       run_id, wallet, window, category, trades, volume_usdc, markets_traded, active_days,
       first_trade_at, last_trade_at, bets_closed, bets_open, bets_won, bets_lost, cost,
       realized_pnl, realized_pnl_all, unrealized_pnl, total_pnl, pnl_polymarket,
       pnl_fee_effect, pnl_unredeemed, gains, losses, omega, omega_unbounded, omega_score,
       win_rate, win_rate_lb, roi, roi_se, avg_win, avg_loss, max_win, max_loss,
       incomplete_positions, truncated, eligibility, edge, edge_se, skill_z, edge_lb,
       skill_p, sharpe_daily, sortino_daily, max_drawdown, max_drawdown_pct,
       passive_share, both_sides_share, median_gap_s, median_entry, market_maker,
       high_frequency, favourite_buyer)
WITH
    {as_of:UInt32} AS as_of,
    {run_id:String} AS run,
    -- floating-point sums are taken exactly (Decimal128 with 18 places), so they do not depend
    -- on the order in which the engine's threads read a group's rows: two runs of one store
    -- agree to the bit (test_metrics_repeatable)
    (x -> toDecimal128(x, 18)) AS exact,
    {window_names:Array(String)} AS window_names,
    {window_days:Array(UInt32)} AS window_days,
    -- the run's slice of the wallets (metrics/run.py: wallet_slices), and of those only the
    -- ones it computes when it carries the others over (metrics/incremental.py)
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    {every_wallet:UInt8} AS every_wallet,
    -- every window, as bits (bit i - 1 for the i-th window)
    arrayReduce('groupBitOr', arrayMap(i -> bitShiftLeft(toUInt64(1), toUInt8(i - 1)),
                                       arrayEnumerate(window_days))) AS all_windows,
    -- of those, the ones whose fill figures it computes, in the windows it computes them
    -- (run_wallets.fill_windows, changed_wallets.sql: every window but for a fill that left
    -- some), and the time after which the fills those windows hold are (0: every fill); the
    -- fill figures of the other windows, and of every window of the other wallets (computed
    -- again only for a change their fills do not see) are the base run's
    computed AS (
        SELECT wallet_key, fill_windows,
               arrayMin(arrayMap(i -> if(window_days[i] = 0, 0,
                                         toInt64(as_of) - window_days[i] * 86400),
                                 arrayFilter(i -> bitTest(fill_windows, i - 1),
                                             arrayEnumerate(window_days)))) AS since
        FROM run_wallets
        WHERE run_id = {run_id:String} AND fill_windows != 0
              AND wallet_key BETWEEN wallet_lo AND wallet_hi
    ),
    kept AS (
        SELECT wallet_key, fill_windows FROM run_wallets
        WHERE run_id = {run_id:String} AND fill_windows != all_windows
              AND wallet_key BETWEEN wallet_lo AND wallet_hi
    ),
    -- the categories by number (1, 2, ...; 0 is the scope 'all'; metrics/run.py: numbered)
    {categories:Array(String)} AS categories,
    tokens AS (
        SELECT token_key, condition_key, bet_hash, condition_id, outcome_index,
               toUInt8(indexOf(categories, toString(category))) AS category
        FROM trade_tokens
    ),
    fill_rows AS (
        -- the fills the fill figures read, each with the windows computed for its wallet:
        -- in a run computed whole, every fill and every window; else those of the wallets it
        -- computes, since the earliest window computed
        SELECT wallet_key, token_key, usdc, ts, role, is_buy, shares, all_windows AS computing
        FROM trade_rows
        WHERE every_wallet AND ts <= as_of AND wallet_key BETWEEN wallet_lo AND wallet_hi
        UNION ALL
        SELECT r.wallet_key AS wallet_key, r.token_key AS token_key, r.usdc AS usdc, r.ts AS ts,
               r.role AS role, r.is_buy AS is_buy, r.shares AS shares,
               c.fill_windows AS computing
        FROM trade_rows AS r
        JOIN computed AS c ON c.wallet_key = r.wallet_key
        WHERE NOT every_wallet AND r.ts <= as_of AND r.ts > c.since
              AND r.wallet_key BETWEEN wallet_lo AND wallet_hi
              AND r.wallet_key IN (SELECT wallet_key FROM computed)
    ),
    base_rows AS (
        -- the base run's wallet rows of the wallets whose fill figures it copies in some
        -- windows, with the windows computed
        SELECT cityHash64(m.wallet) AS wallet_key, m.wallet AS wallet,
               toUInt8(if(m.category = 'all', 0, indexOf(categories, toString(m.category))))
                   AS scope,
               toUInt32(indexOf(window_names, toString(m.window))) AS wi,
               k.fill_windows AS computing,
               m.trades AS trades, m.volume_usdc AS volume_usdc,
               m.markets_traded AS markets_traded, m.active_days AS active_days,
               m.first_trade_at AS first_trade_at, m.last_trade_at AS last_trade_at,
               m.passive_share AS passive_share, m.both_sides_share AS both_sides_share,
               m.median_gap_s AS median_gap_s, m.median_entry AS median_entry,
               m.market_maker AS market_maker, m.high_frequency AS high_frequency,
               m.favourite_buyer AS favourite_buyer
        FROM wallet_metric_rows AS m
        JOIN kept AS k ON k.wallet_key = cityHash64(m.wallet)
        WHERE NOT every_wallet
              AND (m.run_id, cityHash64(m.wallet)) IN (
                  SELECT source_run, wallet_key FROM run_sources
                  WHERE run_id = {base_run:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
                        AND wallet_key IN (SELECT wallet_key FROM kept))
    ),
    fill_arrays AS (
        -- per wallet and scope ('all' and the category of each fill), its fills in time order
        SELECT r.wallet_key AS wallet_key, scope, any(r.computing) AS computing,
               arraySort(x -> x.1, groupArray((r.ts, r.usdc, t.condition_key, r.role, r.is_buy,
                                               t.bet_hash,
                                               if(r.shares > 0, r.usdc / r.shares, NULL)))) AS fs
        FROM fill_rows AS r
        JOIN tokens AS t ON t.token_key = r.token_key
        ARRAY JOIN [0, t.category] AS scope
        GROUP BY wallet_key, scope
    ),
    fill_windows AS (
        -- per window computed that holds a fill, its fills: the end of the wallet's, from the
        -- first after the window's start (`start`); the gaps between fills (§4.8) are those
        -- between its fills in time order (a gap counts when both fills fall in it). Array
        -- functions over each window's slice, not a row per fill and window in a hash table
        -- of distinct counts and quantiles (~10% less CPU for the statement at 10M fills;
        -- the same figures).
        SELECT wallet_key, scope, wi, computing, length(sl) AS n,
               arraySum(sl.2) AS volume_micro, arrayUniq(sl.3) AS markets,
               arrayUniq(arrayMap(t -> intDiv(t, 86400), sl.1)) AS days_active,
               sl.1[1] AS first_ts, sl.1[-1] AS last_ts,
               countEqual(sl.4, 1) AS passive, arrayCount(x -> x < 2, sl.4) AS role_known,
               arrayCount(x -> x != 0, sl.5) AS buys,
               arrayUniq(arrayFilter((b, y) -> y != 0, sl.6, sl.5)) AS buy_bets,
               arrayReduce('quantileExactInclusive(0.5)', arrayPopFront(arrayDifference(sl.1)))
                   AS median_gap,
               arrayReduce('quantileExactInclusive(0.5)',
                           arrayFilter((p, y) -> y != 0 AND p IS NOT NULL, sl.7, sl.5))
                   AS median_entry
        FROM (
            SELECT wallet_key, scope, computing, wi,
                   arrayFirstIndex(t -> window_days[wi] = 0
                                        OR t > as_of - window_days[wi] * 86400, fs.1) AS start,
                   arraySlice(fs, start) AS sl
            FROM fill_arrays
            ARRAY JOIN arrayFilter(i -> bitTest(computing, i - 1), arrayEnumerate(window_days))
                AS wi
            WHERE start > 0
        )
        UNION ALL
        -- (no window: a wallet's scopes whose windows computed hold no fill, from the base
        -- run's rows, so that those windows' figures are zeros, not missing)
        SELECT wallet_key, scope, 0, any(computing), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0., 0.
        FROM base_rows
        WHERE computing != 0
        GROUP BY wallet_key, scope
    ),
    both_windows AS (
        -- bets in which both outcomes of one condition were bought on one UTC day: counted
        -- in a window when both of that day's buys fall in it (the later of the two sides'
        -- last buys of the day; the buys before the earliest window computed count in none)
        SELECT wallet_key, scope, wi, count() AS both_bets
        FROM (
            SELECT wallet_key, bet_hash, any(category) AS category, max(both_ts) AS both_ts
            FROM (
                SELECT r.wallet_key AS wallet_key, t.bet_hash AS bet_hash,
                       any(t.category) AS category,
                       least(maxIf(r.ts, t.outcome_index = 0),
                             maxIf(r.ts, t.outcome_index = 1)) AS both_ts
                FROM fill_rows AS r
                JOIN tokens AS t ON t.token_key = r.token_key
                WHERE r.is_buy AND t.condition_id != ''
                GROUP BY wallet_key, bet_hash, t.condition_key, intDiv(r.ts, 86400)
                HAVING countIf(t.outcome_index = 0) > 0 AND countIf(t.outcome_index = 1) > 0
            )
            GROUP BY wallet_key, bet_hash
        )
        ARRAY JOIN [0, category] AS scope
        ARRAY JOIN arrayFilter(i -> window_days[i] = 0 OR both_ts > as_of - window_days[i] * 86400,
                               arrayEnumerate(window_days)) AS wi
        GROUP BY wallet_key, scope, wi
    ),
    fill_stats AS (
        SELECT w.wallet AS wallet, f.*
        FROM (
            SELECT f.wallet_key AS wallet_key, f.scope AS scope,
                   any(f.computing) AS computing, groupArray(f.wi) AS wis,
                   groupArray(f.n) AS n, groupArray(f.volume_micro) AS volume_micro,
                   groupArray(f.markets) AS markets, groupArray(f.days_active) AS days_active,
                   groupArray(f.first_ts) AS first_ts, groupArray(f.last_ts) AS last_ts,
                   groupArray(f.passive) AS passive, groupArray(f.role_known) AS role_known,
                   groupArray(f.buys) AS buys, groupArray(f.buy_bets) AS buy_bets,
                   groupArray(ifNull(b.both_bets, 0)) AS both_bets,
                   -- (a tuple: groupArray skips a bare NULL, which would shift the indexes)
                   groupArray((f.median_gap, f.median_entry)) AS medians
            FROM fill_windows AS f
            LEFT JOIN both_windows AS b
                ON b.wallet_key = f.wallet_key AND b.scope = f.scope AND b.wi = f.wi
            GROUP BY f.wallet_key, f.scope
        ) AS f
        JOIN trade_wallets AS w ON w.wallet_key = f.wallet_key
    ),
    fill_figures AS (
        -- per wallet, scope and window, what its fills say (§4.8's flags included), in the
        -- windows the run computes; in the others, the base run's
        SELECT wallet_key, wallet, scope, wi, trades, volume_usdc, markets_traded, active_days,
               first_trade_at, last_trade_at, passive_share, both_sides_share, median_gap_s,
               median_entry, market_maker, high_frequency, favourite_buyer
        FROM (
            SELECT wallet_key, wallet, scope, wi, indexOf(f.wis, wi) AS fi,
                   if(fi = 0, 0, f.n[fi]) AS trades,
                   if(fi = 0, 0, f.volume_micro[fi]) / 1000000 AS volume_usdc,
                   if(fi = 0, 0, f.markets[fi]) AS markets_traded,
                   if(fi = 0, 0, f.days_active[fi]) AS active_days,
                   if(fi = 0, NULL, f.first_ts[fi]) AS first_trade_at,
                   if(fi = 0, NULL, f.last_ts[fi]) AS last_trade_at,
                   if(fi = 0, 0, f.passive[fi]) AS passive,
                   if(fi = 0, 0, f.role_known[fi]) AS role_known,
                   if(fi = 0, 0, f.buys[fi]) AS buys,
                   if(fi = 0, 0, f.buy_bets[fi]) AS buy_bets,
                   if(fi = 0, 0, f.both_bets[fi]) AS both_bets,
                   if(role_known = 0, NULL, passive / role_known) AS passive_share,
                   if(buy_bets = 0, NULL, both_bets / buy_bets) AS both_sides_share,
                   if(trades < 2, NULL, f.medians[fi].1) AS median_gap_s,
                   if(buys = 0, NULL, f.medians[fi].2) AS median_entry,
                   trades >= {flag_min_fills:UInt32}
                       AND (ifNull(passive_share >= {mm_passive_share:Float64}, 0)
                            OR ifNull(both_sides_share >= {mm_both_sides_share:Float64}, 0))
                       AS market_maker,
                   trades >= {flag_min_fills:UInt32}
                       AND ifNull(median_gap_s < {hf_median_gap_s:Float64}, 0)
                       AS high_frequency,
                   buys >= {flag_min_fills:UInt32}
                       AND ifNull(median_entry >= {favourite_median_entry:Float64}, 0)
                       AS favourite_buyer
            FROM fill_stats AS f
            ARRAY JOIN arrayFilter(i -> bitTest(f.computing, i - 1),
                                   arrayEnumerate(window_days)) AS wi
        )
        UNION ALL
        SELECT wallet_key, wallet, scope, wi, trades, volume_usdc, markets_traded, active_days,
               first_trade_at, last_trade_at, passive_share, both_sides_share, median_gap_s,
               median_entry, market_maker, high_frequency, favourite_buyer
        FROM base_rows
        WHERE NOT bitTest(computing, wi - 1)
    ),
    scoped_bets AS (
        -- the run's bets of the slice, once per scope, by numbers (a bet's category and
        -- event as the run kept them: run_bets.sql)
        SELECT b.wallet_key AS wallet_key, scope, b.closed AS closed, b.closed_ts AS closed_ts,
               b.cost AS cost, b.pnl AS pnl, b.shares_bought AS shares_bought, k.event AS event,
               b.x AS x
        FROM (SELECT wallet_key, bet_hash, closed, closed_ts, cost, pnl, shares_bought,
                     -- what the windows sum, exactly (converted once per bet); the edge's
                     -- per-share P&L and price variance are 0 for a bet that acquired no
                     -- shares, which the edge leaves out
                     if(shares_bought > 0, least(greatest(cost / shares_bought, 0), 1), 0)
                         AS price,
                     (exact(cost), exact(pnl), exact(pnl * pnl), exact(pnl * cost),
                      exact(cost * cost), exact(pnl_polymarket), exact(pnl_fee_effect),
                      exact(pnl_unredeemed), exact(if(shares_bought > 0, pnl / shares_bought, 0)),
                      exact(price * (1 - price))) AS x
              FROM bet_rows
              WHERE run_id = run AND wallet_key BETWEEN wallet_lo AND wallet_hi) AS b
        JOIN (SELECT bet_hash, toUInt8(indexOf(categories, toString(category))) AS category,
                     cityHash64(event_id) AS event
              FROM run_bets WHERE run_id = run) AS k ON k.bet_hash = b.bet_hash
        ARRAY JOIN [0, k.category] AS scope
    ),
    bet_windows AS (
        SELECT wallet_key, scope, wi,
               count() AS bets_closed, toFloat64(sum(x.1)) AS cost_sum,
               toFloat64(sum(x.2)) AS pnl_sum,
               countIf(pnl > 0) AS bets_won, countIf(pnl < 0) AS bets_lost,
               toFloat64(sumIf(x.2, pnl > 0)) AS gains, -toFloat64(sumIf(x.2, pnl < 0)) AS losses,
               quantileExactInclusive(0.5)(cost) AS median_cost,
               toFloat64(sum(x.3)) AS spp, toFloat64(sum(x.4)) AS spc, toFloat64(sum(x.5)) AS scc,
               maxIf(pnl, pnl > 0) AS max_win_raw, maxIf(-pnl, pnl < 0) AS max_loss_raw,
               toFloat64(sum(x.6)) AS pm, toFloat64(sum(x.7)) AS fee_effect,
               toFloat64(sum(x.8)) AS unredeemed
        FROM scoped_bets
        ARRAY JOIN arrayFilter(i -> window_days[i] = 0
                                    OR closed_ts > as_of - window_days[i] * 86400,
                               arrayEnumerate(window_days)) AS wi
        WHERE closed AND closed_ts <= as_of
        GROUP BY wallet_key, scope, wi
    ),
    edge_windows AS (
        -- docs/metrics.md §4.6: x = P / Q per closed bet that acquired shares, summed per
        -- event (the clusters of the standard error), then per row: edge and its error, the
        -- cluster-robust one but never below what the prices paid imply with no skill
        -- (Σ p(1 - p) over the bets, p = C / Q)
        SELECT wallet_key, scope, wi, sum(n_g) AS n, count() AS clusters,
               toFloat64(sum(exact(s_g))) / n AS edge,
               clusters / (clusters - 1)
                   * toFloat64(arraySum(arrayMap((s, k) -> exact((s - k * edge) * (s - k * edge)),
                                                 groupArray(s_g), groupArray(n_g)))) AS robust,
               if(clusters < 2, NULL,
                  sqrt(greatest(robust, toFloat64(sum(exact(v_g))))) / n) AS edge_se
        FROM (
            SELECT wallet_key, scope, wi, event, toFloat64(sum(x.9)) AS s_g, count() AS n_g,
                   toFloat64(sum(x.10)) AS v_g
            FROM scoped_bets
            ARRAY JOIN arrayFilter(i -> window_days[i] = 0
                                        OR closed_ts > as_of - window_days[i] * 86400,
                                   arrayEnumerate(window_days)) AS wi
            WHERE closed AND closed_ts <= as_of AND shares_bought > 0
            GROUP BY wallet_key, scope, wi, event
        )
        GROUP BY wallet_key, scope, wi
    ),
    bet_stats AS (
        SELECT b.wallet_key AS wallet_key, b.scope AS scope, groupArray(b.wi) AS wis,
               groupArray(b.bets_closed) AS bets_closed,
               groupArray(b.cost_sum) AS cost_sum, groupArray(b.pnl_sum) AS pnl_sum,
               groupArray(b.bets_won) AS bets_won, groupArray(b.bets_lost) AS bets_lost,
               groupArray(b.gains) AS gains, groupArray(b.losses) AS losses,
               groupArray(b.median_cost) AS median_cost, groupArray(b.spp) AS spp,
               groupArray(b.spc) AS spc, groupArray(b.scc) AS scc,
               groupArray(b.max_win_raw) AS max_win_raw,
               groupArray(b.max_loss_raw) AS max_loss_raw,
               groupArray(b.pm) AS pm, groupArray(b.fee_effect) AS fee_effect,
               groupArray(b.unredeemed) AS unredeemed,
               -- (a tuple: groupArray skips a bare NULL, which would shift the indexes)
               groupArray((if(e.n > 0, toNullable(e.edge), NULL),
                           if(e.n > 0, e.edge_se, NULL))) AS edge
        FROM bet_windows AS b
        LEFT JOIN edge_windows AS e
            ON e.wallet_key = b.wallet_key AND e.scope = b.scope AND e.wi = b.wi
        GROUP BY b.wallet_key, b.scope
    ),
    open_stats AS (
        SELECT wallet_key, scope, countIf(NOT closed) AS bets_open
        FROM scoped_bets
        GROUP BY wallet_key, scope
    ),
    position_stats AS (
        SELECT p.wallet_key AS wallet_key, scope, toFloat64(sum(p.x.1)) AS realized_all,
               toFloat64(sum(p.x.2)) AS unrealized, countIf(p.unmatched_sell > 0) AS incomplete,
               toFloat64(sum(p.x.3)) AS pm, toFloat64(sum(p.x.4)) AS fee_effect,
               toFloat64(sum(p.x.5)) AS unredeemed
        FROM (SELECT wallet_key, token_key, unmatched_sell,
                     -- what the scopes sum, exactly (converted once per position)
                     (exact(realized), exact(unrealized), exact(pnl_polymarket),
                      exact(pnl_fee_effect), exact(pnl_unredeemed)) AS x
              FROM position_rows
              WHERE run_id = run AND wallet_key BETWEEN wallet_lo AND wallet_hi) AS p
        JOIN tokens AS t ON t.token_key = p.token_key
        ARRAY JOIN [0, t.category] AS scope
        GROUP BY wallet_key, scope
    ),
    truncated_wallets AS (
        SELECT wallet, argMax(truncated, updated_at) AS truncated
        FROM ingest_wallets GROUP BY wallet
    ),
    risk_stats AS (
        -- risk_work's rows of the run, as arrays indexed like the windows
        SELECT wallet_key, scope,
               arrayMap(x -> (x.2, x.3, x.4, x.5), arraySort(x -> x.1, groupArray(
                   (wi, sharpe_daily, sortino_daily, max_drawdown, max_drawdown_pct)))) AS risk
        FROM risk_work WHERE run_id = run AND wallet_key BETWEEN wallet_lo AND wallet_hi
        GROUP BY wallet_key, scope
    ),
    joined AS (
        SELECT f.wallet AS wallet, window_names[f.wi] AS window,
               if(f.scope = 0, 'all', categories[f.scope]) AS category,
               window_days[f.wi] AS days, indexOf(b.wis, f.wi) AS bi,
               f.trades AS trades, f.volume_usdc AS volume_usdc,
               f.markets_traded AS markets_traded, f.active_days AS active_days,
               f.first_trade_at AS first_trade_at, f.last_trade_at AS last_trade_at,
               if(bi = 0, 0, b.bets_closed[bi]) AS bets_closed, o.bets_open AS bets_open,
               if(bi = 0, 0, b.bets_won[bi]) AS bets_won,
               if(bi = 0, 0, b.bets_lost[bi]) AS bets_lost,
               if(bi = 0, 0, b.cost_sum[bi]) AS cost,
               if(bi = 0, 0, b.pnl_sum[bi]) AS realized_pnl,
               if(bi = 0, 0, b.gains[bi]) AS gains, if(bi = 0, 0, b.losses[bi]) AS losses,
               if(bi = 0, 0, b.median_cost[bi]) AS median_cost,
               if(bi = 0, 0, b.spp[bi]) AS spp, if(bi = 0, 0, b.spc[bi]) AS spc,
               if(bi = 0, 0, b.scc[bi]) AS scc,
               if(bi = 0, 0, b.max_win_raw[bi]) AS max_win_raw,
               if(bi = 0, 0, b.max_loss_raw[bi]) AS max_loss_raw,
               if(bi = 0, 0, b.pm[bi]) AS pm_window,
               if(bi = 0, 0, b.fee_effect[bi]) AS fee_effect_window,
               if(bi = 0, 0, b.unredeemed[bi]) AS unredeemed_window,
               p.realized_all AS realized_all, p.unrealized AS unrealized_all,
               p.incomplete AS incomplete, t.truncated AS truncated, p.pm AS pm_all,
               p.fee_effect AS fee_effect_all, p.unredeemed AS unredeemed_all,
               if(bi = 0, NULL, b.edge[bi].1) AS edge, if(bi = 0, NULL, b.edge[bi].2) AS edge_se,
               rk.risk[f.wi] AS risk,
               f.passive_share AS passive_share, f.both_sides_share AS both_sides_share,
               f.median_gap_s AS median_gap_s, f.median_entry AS median_entry,
               f.market_maker AS market_maker, f.high_frequency AS high_frequency,
               f.favourite_buyer AS favourite_buyer
        FROM fill_figures AS f
        LEFT JOIN bet_stats AS b ON b.wallet_key = f.wallet_key AND b.scope = f.scope
        LEFT JOIN open_stats AS o ON o.wallet_key = f.wallet_key AND o.scope = f.scope
        LEFT JOIN position_stats AS p ON p.wallet_key = f.wallet_key AND p.scope = f.scope
        LEFT JOIN truncated_wallets AS t ON t.wallet = f.wallet
        LEFT JOIN risk_stats AS rk ON rk.wallet_key = f.wallet_key AND rk.scope = f.scope
    )
SELECT * EXCEPT (cbar, decided, z)
FROM (
    SELECT
        run AS run_id, wallet, window, category,
        trades, volume_usdc, markets_traded, active_days, first_trade_at, last_trade_at,
        bets_closed, bets_open, bets_won, bets_lost, cost, realized_pnl,
        if(days = 0, realized_all, NULL)                            AS realized_pnl_all,
        if(days = 0, unrealized_all, NULL)                          AS unrealized_pnl,
        if(days = 0, realized_all + unrealized_all, NULL)           AS total_pnl,
        -- Polymarket's convention: lifetime over every position (beside realized_pnl_all),
        -- a window over its closed bets (beside its realized_pnl)
        if(days = 0, pm_all, pm_window)                             AS pnl_polymarket,
        if(days = 0, fee_effect_all, fee_effect_window)             AS pnl_fee_effect,
        if(days = 0, unredeemed_all, unredeemed_window)             AS pnl_unredeemed,
        gains, losses,
        if(losses > 0, gains / losses, NULL)                        AS omega,
        losses = 0 AND gains > 0                                    AS omega_unbounded,
        {cbar_fraction:Float64} * median_cost                       AS cbar,
        if(bets_closed = 0 OR losses + {omega_k:Float64} * cbar = 0, NULL,
           (gains + {omega_k:Float64} * cbar) / (losses + {omega_k:Float64} * cbar)) AS omega_score,
        bets_won + bets_lost                                        AS decided,
        if(decided = 0, NULL, bets_won / decided)                   AS win_rate,
        {wilson_z:Float64} AS z,
        if(decided = 0, NULL,
           (win_rate + z * z / (2 * decided)
            - z * sqrt(win_rate * (1 - win_rate) / decided + z * z / (4 * decided * decided)))
           / (1 + z * z / decided))                                 AS win_rate_lb,
        if(cost = 0, NULL, realized_pnl / cost)                     AS roi,
        if(cost = 0 OR bets_closed < 2, NULL,
           sqrt(bets_closed / (bets_closed - 1)
                * greatest(spp - 2 * roi * spc + roi * roi * scc, 0)) / cost) AS roi_se,
        if(bets_won = 0, NULL, gains / bets_won)                    AS avg_win,
        if(bets_lost = 0, NULL, losses / bets_lost)                 AS avg_loss,
        if(bets_won = 0, NULL, max_win_raw)                         AS max_win,
        if(bets_lost = 0, NULL, max_loss_raw)                       AS max_loss,
        incomplete                                                  AS incomplete_positions,
        truncated,
        multiIf(
            category != 'all',
                if(bets_closed >= {category_min_bets:UInt32} AND cost >= {category_min_cost:Float64},
                   'ranked', 'unranked'),
            bets_closed >= {ranked_min_bets:UInt32} AND cost >= {ranked_min_cost:Float64}
                AND last_trade_at - first_trade_at >= {ranked_min_span_s:UInt32}, 'ranked',
            bets_closed >= {provisional_min_bets:UInt32} AND bets_closed < {ranked_min_bets:UInt32},
                'provisional',
            'unranked')                                             AS eligibility,
        -- skill against the price paid (§4.6)
        edge, edge_se,
        if(edge_se IS NULL OR edge_se = 0, NULL, edge / edge_se)    AS skill_z,
        if(edge_se IS NULL, NULL, edge - {edge_z:Float64} * edge_se) AS edge_lb,
        if(skill_z IS NULL, NULL, 0.5 * erfc(skill_z / sqrt(2)))   AS skill_p,
        -- risk from the daily equity curve (§4.7, risk.sql)
        risk.1 AS sharpe_daily, risk.2 AS sortino_daily, risk.3 AS max_drawdown,
        risk.4 AS max_drawdown_pct,
        -- behaviour (§4.8: fill_figures)
        passive_share, both_sides_share, median_gap_s, median_entry, market_maker,
        high_frequency, favourite_buyer
    FROM joined
)
