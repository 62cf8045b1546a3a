-- Wallet metrics (docs/metrics.md §4-§5, ledger rules 12-22) for every window x scope, where the
-- scopes of a wallet are 'all' and each category it has a fill in. Windows end at as_of;
-- a window of d days holds what happened in (as_of - d days, as_of]; d = 0 is lifetime.
-- Each row is counted once per window that holds it (ARRAY JOIN of those windows only) and
-- once per scope; fills are grouped on numeric keys. Per wallet x scope the window figures
-- are then kept as arrays indexed like the windows, and spread to one row per window last.
INSERT INTO wallet_metrics (
       run_id, wallet, window, category, trades, volume_usdc, markets_traded, active_days,
       first_trade_at, last_trade_at, bets_closed, bets_open, bets_won, bets_lost, cost,
       realized_pnl, realized_pnl_all, unrealized_pnl, total_pnl, gains, losses, omega,
       omega_unbounded, omega_score, win_rate, win_rate_lb, roi, roi_se, avg_win, avg_loss,
       max_win, max_loss, incomplete_positions, truncated, eligibility, pnl_polymarket,
       pnl_fee_effect, pnl_unredeemed)
WITH
    {as_of:UInt32} AS as_of,
    {run_id:String} AS run,
    {window_names:Array(String)} AS window_names,
    {window_days:Array(UInt32)} AS window_days,
    fill_windows AS (
        SELECT wallet_key, scope, wi,
               count() AS n, sum(usdc) AS volume_micro, uniqExact(condition_key) AS markets,
               uniqExact(intDiv(ts, 86400)) AS days_active, min(ts) AS first_ts,
               max(ts) AS last_ts
        FROM (
            SELECT r.wallet_key AS wallet_key, t.category AS category,
                   t.condition_key AS condition_key, r.usdc AS usdc, r.ts AS ts
            FROM trade_rows AS r
            JOIN trade_tokens AS t ON t.token_key = r.token_key
            WHERE r.ts <= as_of
        )
        ARRAY JOIN ['all', toString(category)] AS scope
        ARRAY JOIN arrayFilter(i -> window_days[i] = 0 OR ts > as_of - window_days[i] * 86400,
                               arrayEnumerate(window_days)) AS wi
        GROUP BY wallet_key, scope, wi
    ),
    fill_stats AS (
        SELECT w.wallet AS wallet, f.scope AS scope, f.wis AS wis, f.n AS n,
               f.volume_micro AS volume_micro, f.markets AS markets,
               f.days_active AS days_active, f.first_ts AS first_ts, f.last_ts AS last_ts
        FROM (
            SELECT wallet_key, scope, groupArray(wi) AS wis, groupArray(n) AS n,
                   groupArray(volume_micro) AS volume_micro, groupArray(markets) AS markets,
                   groupArray(days_active) AS days_active, groupArray(first_ts) AS first_ts,
                   groupArray(last_ts) AS last_ts
            FROM fill_windows GROUP BY wallet_key, scope
        ) AS f
        JOIN trade_wallets AS w ON w.wallet_key = f.wallet_key
    ),
    bet_windows AS (
        SELECT wallet, scope, wi,
               count() AS bets_closed, sum(cost) AS cost_sum, sum(pnl) AS pnl_sum,
               countIf(pnl > 0) AS bets_won, countIf(pnl < 0) AS bets_lost,
               sumIf(pnl, pnl > 0) AS gains, -sumIf(pnl, pnl < 0) AS losses,
               quantileExactInclusive(0.5)(cost) AS median_cost,
               sum(pnl * pnl) AS spp, sum(pnl * cost) AS spc, sum(cost * cost) AS scc,
               maxIf(pnl, pnl > 0) AS max_win_raw, maxIf(-pnl, pnl < 0) AS max_loss_raw,
               sum(pnl_polymarket) AS pm, sum(pnl_fee_effect) AS fee_effect,
               sum(pnl_unredeemed) AS unredeemed
        FROM bets
        ARRAY JOIN ['all', toString(category)] AS scope
        ARRAY JOIN arrayFilter(i -> window_days[i] = 0
                                    OR closed_ts > as_of - window_days[i] * 86400,
                               arrayEnumerate(window_days)) AS wi
        WHERE run_id = run AND closed AND closed_ts <= as_of
        GROUP BY wallet, scope, wi
    ),
    bet_stats AS (
        SELECT wallet, scope, groupArray(wi) AS wis, groupArray(bets_closed) AS bets_closed,
               groupArray(cost_sum) AS cost_sum, groupArray(pnl_sum) AS pnl_sum,
               groupArray(bets_won) AS bets_won, groupArray(bets_lost) AS bets_lost,
               groupArray(gains) AS gains, groupArray(losses) AS losses,
               groupArray(median_cost) AS median_cost, groupArray(spp) AS spp,
               groupArray(spc) AS spc, groupArray(scc) AS scc,
               groupArray(max_win_raw) AS max_win_raw, groupArray(max_loss_raw) AS max_loss_raw,
               groupArray(pm) AS pm, groupArray(fee_effect) AS fee_effect,
               groupArray(unredeemed) AS unredeemed
        FROM bet_windows GROUP BY wallet, scope
    ),
    open_stats AS (
        SELECT wallet, scope, countIf(NOT closed) AS bets_open
        FROM bets ARRAY JOIN ['all', toString(category)] AS scope
        WHERE run_id = run
        GROUP BY wallet, scope
    ),
    position_stats AS (
        SELECT w.wallet AS wallet, s.scope AS scope, s.realized_all AS realized_all,
               s.unrealized AS unrealized, s.incomplete AS incomplete, s.pm AS pm,
               s.fee_effect AS fee_effect, s.unredeemed AS unredeemed
        FROM (
            SELECT p.wallet_key AS wallet_key, scope, sum(p.realized) AS realized_all,
                   sum(p.unrealized) AS unrealized, countIf(p.unmatched_sell > 0) AS incomplete,
                   sum(p.pnl_polymarket) AS pm, sum(p.pnl_fee_effect) AS fee_effect,
                   sum(p.pnl_unredeemed) AS unredeemed
            FROM (SELECT * FROM position_work WHERE run_id = run) AS p
            JOIN trade_tokens AS t ON t.token_key = p.token_key
            ARRAY JOIN ['all', toString(t.category)] AS scope
            GROUP BY wallet_key, scope
        ) AS s
        JOIN trade_wallets AS w ON w.wallet_key = s.wallet_key
    ),
    truncated_wallets AS (
        SELECT wallet, argMax(truncated, updated_at) AS truncated
        FROM ingest_wallets GROUP BY wallet
    ),
    joined AS (
        SELECT f.wallet AS wallet, window_names[wi] AS window, f.scope AS category,
               window_days[wi] AS days,
               indexOf(f.wis, wi) AS fi, indexOf(b.wis, wi) AS bi,
               if(fi = 0, 0, f.n[fi]) AS trades,
               if(fi = 0, 0, f.volume_micro[fi]) / 1000000 AS volume_usdc,
               if(fi = 0, 0, f.markets[fi]) AS markets_traded,
               if(fi = 0, 0, f.days_active[fi]) AS active_days,
               if(fi = 0, NULL, f.first_ts[fi]) AS first_trade_at,
               if(fi = 0, NULL, f.last_ts[fi]) AS last_trade_at,
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
               p.fee_effect AS fee_effect_all, p.unredeemed AS unredeemed_all
        FROM fill_stats AS f
        LEFT JOIN bet_stats AS b ON b.wallet = f.wallet AND b.scope = f.scope
        LEFT JOIN open_stats AS o ON o.wallet = f.wallet AND o.scope = f.scope
        LEFT JOIN position_stats AS p ON p.wallet = f.wallet AND p.scope = f.scope
        LEFT JOIN truncated_wallets AS t ON t.wallet = f.wallet
        ARRAY JOIN arrayEnumerate(window_days) AS wi
    )
SELECT run_id, wallet, window, category, trades, volume_usdc, markets_traded, active_days,
       first_trade_at, last_trade_at, bets_closed, bets_open, bets_won, bets_lost, cost,
       realized_pnl, realized_pnl_all, unrealized_pnl, total_pnl, gains, losses, omega,
       omega_unbounded, omega_score, win_rate, win_rate_lb, roi, roi_se, avg_win, avg_loss,
       max_win, max_loss, incomplete_positions, truncated, eligibility, pnl_polymarket,
       pnl_fee_effect, pnl_unredeemed
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
            'unranked')                                             AS eligibility
    FROM joined
)
